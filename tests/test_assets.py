"""The code colours stylesheet and the favicon every page links to."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_card


def test_code_colours_for_light_and_dark(client: FlaskClient) -> None:
    response = client.get("/code.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    # A keyword: green and bold in Pygments' default style, pink in monokai.
    assert re.search(r"pre \.hl-k \{ color: #008000; font-weight: bold \}", light)
    assert re.search(r"pre \.hl-k \{ color: #66D9EF \}", dark)
    assert "pre {" not in css  # the block's background stays wengu's


def test_every_page_links_the_code_colours_and_the_favicon(
    client: FlaskClient, db: Session, user_id: int
) -> None:
    make_card(db, user_id, "Code?", "```python\ndef f():\n    return 1\n```")
    db.commit()
    for url in ("/", "/review", "/account/"):
        page = client.get(url).get_data(as_text=True)
        assert 'href="/code.css"' in page, url
        assert 'rel="icon" href="/static/favicon.svg"' in page, url
    review = client.get("/review").get_data(as_text=True)
    assert '<span class="hl-k">def</span>' in review
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and b"<svg" in icon.data
