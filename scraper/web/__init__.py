"""``scraper serve``: the archive in a web browser, through Datasette.

:mod:`scraper.web.server` starts it (it needs the ``web`` extra: Datasette);
:mod:`scraper.web.plugin` is the Datasette plugin it registers (the article page,
readable cells, the guard on raw data); :mod:`scraper.web.metadata` the titles,
facets and canned queries it hands over. This package imports nothing heavy, so
the command line can say what is missing when Datasette is not installed.
"""
