"""Cards in the web app: storing hand-made and edited cards, showing them, the browser, search, the
inbox of open questions and decks.
"""
