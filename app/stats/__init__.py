"""The statistics page: what the user did, what is coming, which cards are hard.

- ``days``: the user's day, in Python and as SQL day numbers;
- ``history``: answers classified and counted from the review rows;
- ``rollup``: those counts kept per day, written with each answer;
- ``figures``: the answers' side of the page (heatmap, bins, retention, buttons);
- ``scope``, ``card_figures``, ``forecast``, ``hardest``: the cards' side;
- ``cached``: the cards' side kept until the user's cards change;
- ``charts``, ``views``: the SVG charts and the ``stats`` blueprint.
"""
