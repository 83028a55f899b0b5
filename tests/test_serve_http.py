"""`scraper serve` over HTTP: the real installed command in a subprocess, on an archive
built from the fixture pages, asked through Datasette's pages and JSON API."""

from __future__ import annotations

import base64
import json
import signal
import sqlite3
import zlib
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest

pytest.importorskip("datasette")

from browser_support import (  # noqa: E402
    ADDED_PARAGRAPH,
    FAILED_URL,
    HEADER_MARKER,
    KLIMA_TITLE,
    MOSCOW_TITLE,
    RAW_MARKER,
    Served,
    build_archive,
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("serve") / "archive.db")


@pytest.fixture(scope="module")
def served(archive):
    with Served(archive.path) as server:
        yield server


def get_json(server: Served, path: str):
    status, body, _ = server.get(path)
    assert status == 200, (path, body[:300])
    return json.loads(body)


def page_of(body: bytes):
    """Datasette says UTF-8 in its Content-Type header, not in the page."""
    return lxml.html.fromstring(body.decode("utf-8"))


def test_facets_search_and_default_sort(served, archive):
    data = get_json(served, "/archive/articles.json?_shape=objects&_facet_size=max")  # every tag, not 8
    published = [row["published"] for row in data["rows"]]
    assert published == sorted(published, reverse=True) and len(published) == 6
    assert data["human_description_en"] == "sorted by published descending"
    assert "order by published desc" in data["query"]["sql"]
    facets = data["facet_results"]
    assert set(facets) == {"site", "tags", "published_month", "story"}
    assert facets["tags"]["type"] == "array"
    tags = {item["value"]: item["count"] for item in facets["tags"]["results"]}
    assert tags["Klima"] == 1 and tags["Afghanistan"] == 1 and tags["Казань"] == 1
    months = {item["value"] for item in facets["published_month"]["results"]}
    assert months == {"2021-07", "2022-10", "2023-03", "2023-08", "2024-01", "2024-05"}
    assert len(facets["site"]["results"]) == 6

    hits = get_json(served, "/archive/articles.json?_search=Rudenko&_shape=objects&_col=title")
    assert [row["title"] for row in hits["rows"]] == [MOSCOW_TITLE]
    tagged = get_json(served, "/archive/articles.json?tags__arraycontains=Klima&_shape=objects&_col=title")
    assert [row["title"] for row in tagged["rows"]] == [KLIMA_TITLE]


def test_tags_facet_counts_every_tag_as_the_archive_does_filtered_or_not(served, archive):
    """The tags facet (counted from article_tags) gives each tag's number of articles: of the
    whole archive on the plain list, of the articles shown on a filtered one."""
    conn = sqlite3.connect(f"file:{archive.path}?immutable=1", uri=True)
    try:
        every = dict(conn.execute("SELECT t.name, count(*) FROM article_tags at JOIN tags t ON t.id = at.tag_id "
                                  "GROUP BY t.id").fetchall())
        site = conn.execute("SELECT site FROM articles WHERE tags <> '[]' ORDER BY id LIMIT 1").fetchone()[0]
        on_site = dict(conn.execute("SELECT t.name, count(*) FROM article_tags at JOIN tags t ON t.id = at.tag_id "
                                    "JOIN articles a ON a.id = at.article_id WHERE a.site = ? GROUP BY t.id",
                                    (site,)).fetchall())
    finally:
        conn.close()
    assert every and on_site and on_site != every
    for path, expected in (("", every), (f"&site={quote(site)}", on_site)):
        data = get_json(served, f"/archive/articles.json?_facet_size=max{path}")
        assert "tags" in data["facet_results"]  # a facet that timed out is left out
        assert {item["value"]: item["count"] for item in data["facet_results"]["tags"]["results"]} == expected


def test_metadata_titles_and_canned_queries(served, archive):
    metadata = get_json(served, "/-/metadata.json")
    tables = metadata["databases"]["archive"]["tables"]
    assert tables["articles"]["title"] == "Articles"
    assert tables["articles"]["columns"]["published_month"].startswith("YYYY-MM")
    assert tables["articles"]["facets"] == ["site", {"array": "tags"}, "published_month", "story"]
    assert "withheld" in tables["pages"]["description"]

    database = get_json(served, "/archive.json")
    assert {q["name"] for q in database["queries"]} == {
        "articles_by_tag", "new_last_24_hours", "failed_fetches", "articles_with_versions"}

    by_tag = get_json(served, "/archive/articles_by_tag.json?_shape=objects&tag=" + quote("  KLIMA "))
    assert [(r["article_id"], r["title"]) for r in by_tag["rows"]] == [(archive.ids["klima"], KLIMA_TITLE)]
    cyrillic = get_json(served, "/archive/articles_by_tag.json?_shape=objects&tag=" + quote("КАЗАНЬ"))
    assert len(cyrillic["rows"]) == 1  # case-folded like the archive's tags.key, not ASCII-only
    recent = get_json(served, "/archive/new_last_24_hours.json?_shape=objects")
    assert [r["title"] for r in recent["rows"]] == [MOSCOW_TITLE]
    failed = get_json(served, "/archive/failed_fetches.json?_shape=objects")
    assert [(r["url"], r["error"], r["failed_attempts"], r["article_id"]) for r in failed["rows"]] == [
        (FAILED_URL, "http: HTTP 404", 1, None)]
    changed = get_json(served, "/archive/articles_with_versions.json?_shape=objects")
    assert [(r["article_id"], r["versions"]) for r in changed["rows"]] == [(archive.ids["klima"], 2)]


def test_article_page_shows_byline_tags_and_diff(served, archive):
    status, body, headers = served.get(f"/archive/article/{archive.ids['klima']}")
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = page_of(body)
    assert page.findtext(".//h1") == KLIMA_TITLE
    assert page.find(".//time[@class='scraper-published']").get("datetime") == "2023-03-14T09:30:00+01:00"
    assert page.findtext(".//time[@class='scraper-published']") == "14 March 2023, 09:30 UTC+01:00"
    assert page.findtext(".//span[@class='scraper-authors']") == "Jana Becker"
    assert [a.text for a in page.find_class("scraper-tag")] == ["Energie", "Klima", "Köln"]
    assert "rund 5000 Wohnungen" in page.find_class("scraper-body")[0].text_content()
    assert page.findtext(".//section[@id='versions']/h2/span").strip() == "· 2 versions"
    diff = page.find_class("scraper-diff")
    assert len(diff) == 1
    assert [d.text for d in diff[0].iter("del")] == ["4000"]
    assert [i.text for i in diff[0].iter("ins")] == ["5000", ADDED_PARAGRAPH]
    assert "+13 words −1 word" in page.find_class("scraper-diff-summary")[0].text_content()

    single = page_of(served.get(f"/archive/article/{archive.ids['moscow']}")[1])
    assert single.findtext(".//h1") == MOSCOW_TITLE and not single.find_class("scraper-diff")
    assert "The only version archived." in single.text_content()
    assert served.get("/archive/article/999")[0] == 404
    assert served.get("/nosuchdb/article/1")[0] == 404


def test_cells_link_titles_and_addresses(served, archive):
    page = page_of(served.get("/archive/articles?_search=Rudenko")[1])
    cards = page.find_class("scraper-card")
    assert len(cards) == 1
    title = cards[0].find(".//h3/a")
    assert (title.text, title.get("href")) == (MOSCOW_TITLE, f"/archive/article/{archive.ids['moscow']}")
    assert [a.text for a in cards[0].find_class("scraper-tag")] == ["Tajikistan", "Afghanistan"]

    grid = page_of(served.get("/archive/articles?_layout=table&_search=Rudenko")[1])
    link = grid.find(".//td[@class='col-url type-str']/a")
    assert link.get("href").startswith("https://www.themoscowtimes.com/2021/07/22/")
    assert link.get("rel") == "nofollow noopener noreferrer"
    assert grid.find_class("scraper-card") == []

    row = page_of(served.get(f"/archive/articles/{archive.ids['moscow']}")[1])  # the row page: a grid
    assert row.find_class("scraper-card") == []
    assert row.find(".//td[@class='col-title type-str']/a").get("href") == f"/archive/article/{archive.ids['moscow']}"
    assert "Read the article (7 more paragraphs)" in row.find(".//td[@class='col-body type-str']").text_content()


RAW_PATHS = [
    "/archive/pages",
    "/archive/pages.json?_shape=array",
    "/archive/pages.json?_shape=array&_col=content&_col=headers",
    "/archive/pages.csv?_stream=on",
    "/archive/pages/1",
    "/archive/pages/1.json",
    "/archive/pages/1.blob?_blob_column=content",
    "/archive/pages/1.blob?_blob_column=headers",
    "/archive/pages.json?_facet=headers",
    "/archive.json?_shape=array&sql=" + quote("select * from pages"),
    "/archive.csv?sql=" + quote("select content, headers, hex(content), length(headers) from pages"),
    "/archive.json?_shape=array&sql=" + quote("select json_extract(headers, '$') as h from pages"),
    "/archive.json?_shape=array&sql=" + quote("select p.* from pages p join articles a on a.page_id = p.id"),
]


def raw_of(archive) -> tuple[bytes, str]:
    """The stored (compressed) bytes of the page with the markers, and its headers."""
    conn = sqlite3.connect(f"file:{archive.path}?immutable=1", uri=True)
    try:
        return conn.execute("SELECT content, headers FROM pages WHERE headers LIKE ?",
                            (f"%{HEADER_MARKER}%",)).fetchone()
    finally:
        conn.close()


def test_raw_pages_and_headers_are_never_served(served, archive):
    content, headers = raw_of(archive)
    assert RAW_MARKER.encode() in zlib.decompress(content)
    leaks = [content[:64], base64.b64encode(content)[:64], content.hex()[:64].encode(),
             content.hex()[:64].upper().encode(), HEADER_MARKER.encode(), RAW_MARKER.encode()]
    for path in RAW_PATHS:
        status, body, _ = served.get(path)
        assert status == 200, path
        assert not any(leak in body for leak in leaks), path
    rows = get_json(served, "/archive/pages.json?_shape=array")
    assert rows and all(r["content"] is None and r["headers"] is None for r in rows)
    assert all(r["url"] and r["sha256"] for r in rows)  # the rest of the table is there
    matches = get_json(served, "/archive/pages.json?_shape=array&headers__contains=" + HEADER_MARKER)
    assert matches == []  # not even a filter can probe them
    html = page_of(served.get("/archive/pages")[1])
    assert {e.text for e in html.find_class("scraper-withheld")} == {"withheld"}
    assert served.get("/archive.db")[0] == 403  # the file itself holds the raw pages
    status, body, _ = served.get("/archive.json?sql=" + quote("select * from sqlite_dbpage"))
    assert status == 400 and b"RAW" not in body


def test_expose_raw_serves_them(archive):
    content, _ = raw_of(archive)
    with Served(archive.path, "--expose-raw") as server:
        rows = get_json(server, "/archive/pages.json?_shape=array&_col=content&_col=headers")
        exposed = [r for r in rows if HEADER_MARKER in (r["headers"] or "")]
        assert len(exposed) == 1
        assert base64.b64decode(exposed[0]["content"]["encoded"]) == content
        assert server.get("/archive.db")[0] == 200
        assert server.stop() == 0


def test_archive_untouched_after_browsing(tmp_path):
    archive = build_archive(tmp_path / "archive.db")
    before = archive.sha256()
    assert archive.side_files() == []
    with Served(archive.path) as server:
        for path in ("/archive/articles?_search=Tajikistan", f"/archive/article/{archive.ids['klima']}",
                     "/archive/articles.json?_facet=site", "/archive/articles_with_versions",
                     "/archive.json?sql=select+count(*)+from+articles", "/-/metadata.json"):
            assert server.get(path)[0] == 200, path
        assert archive.side_files() == []  # immutable: no -wal/-shm, even while serving
        assert server.stop() == 0
    assert archive.sha256() == before
    assert archive.side_files() == []


def test_live_mode_sees_new_articles(tmp_path):
    archive = build_archive(tmp_path / "archive.db")
    from scraper import Archive, extract

    with Served(archive.path, "--live") as server:
        assert get_json(server, "/archive/articles.json?_size=0")["filtered_table_rows_count"] == 6
        page = Path(__file__).parent.joinpath("fixtures", "news_article.html").read_bytes()
        with Archive(archive.path) as writer:
            writer.store(extract(page, "https://example.com/copy"), raw=page, url="https://example.com/copy")
            count = get_json(server, "/archive/articles.json?_size=0")["filtered_table_rows_count"]
        assert count == 7
        assert server.stop(signal.SIGINT) == 0  # Ctrl-C is a normal way to stop a server


def test_article_page_names_the_other_sites_of_its_story_and_the_story_facet(tmp_path):
    from scraper.archive import Archive
    from scraper.article import Article

    paragraphs = [f"Paragraph {i}: the harbour council and the ferry engineers argued about funding, "
                  f"timing and the {i}th tunnel for most of the long evening session." for i in range(8)]
    db = tmp_path / "archive.db"  # served as /archive
    with Archive(db) as store:
        ids = []
        for site, day, text in (("wire.example", "2024-01-02", paragraphs), ("paper.example", "2024-01-01",
                                paragraphs[1:] + ["This article first ran on the wire."]),
                                ("alone.example", "2024-01-03", [p.replace("harbour", "museum")[::-1]
                                                                  for p in paragraphs])):
            article = Article(url=f"https://{site}/story", title=f"Harbour story at {site}", published=day,
                              body="\n\n".join(text))
            ids.append(store.store(article, raw=b"<p>page</p>", url=article.url).article_id)
        story = store.get(ids[0])["story"]
    assert story is not None
    with Served(db) as server:
        wire = page_of(server.get(f"/archive/article/{ids[0]}")[1])
        [section] = wire.cssselect("section.scraper-story")
        links = [(a.text, a.get("href")) for a in section.cssselect("li a")]
        assert links == [("paper.example", f"/archive/article/{ids[1]}")]
        assert "(first published)" in section.text_content()
        paper = page_of(server.get(f"/archive/article/{ids[1]}")[1])
        assert "this one came first" in paper.cssselect("section.scraper-story h2")[0].text_content()
        assert not page_of(server.get(f"/archive/article/{ids[2]}")[1]).cssselect("section.scraper-story")
        data = get_json(server, "/archive/articles.json?_extra=facet_results")  # story is a default facet
        [value] = data["facet_results"]["story"]["results"]
        assert (value["value"], value["count"]) == (story, 2)
