"""`scraper serve` without a server: what it refuses, and the pieces of the article page
(diffs, dates, a body safe to show, the raw-data guard) on their own."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper import Archive
from scraper.article import Article
from scraper.cli import cli
from scraper.diff import changed_words, diff_text, paragraphs
from scraper.web.article import article_context, display_date, json_list, safe_body_html
from scraper.web.metadata import build_metadata, build_settings, canned_queries

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def archive(db_path):
    with Archive(db_path) as a:
        a.store(Article(title="One", body="First paragraph.\n\nSecond one.", published="2024-01-02",
                        tags=["A"]), raw=b"<html>one</html>", url="https://example.com/1")
    return db_path


def serve(*args: str):
    return CliRunner().invoke(cli, ["serve", *args])


def one_error_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


# -- refusals ------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "10.1.2.3"])
def test_refuses_a_non_loopback_host(archive, host):
    pytest.importorskip("datasette")
    result = serve("--db", str(archive), "--host", host)
    assert result.exit_code == 2
    assert one_error_line(result) == (
        f"Error: --host {host} is not a loopback address: anyone who can reach it could read the "
        "archive; add --public to serve it anyway")


def test_public_allows_any_host(archive, monkeypatch):
    pytest.importorskip("datasette")
    from scraper.web import server

    served = []
    monkeypatch.setattr(server, "run", lambda ds, sock: served.append(sock.getsockname()) or sock.close())
    result = serve("--db", str(archive), "--host", "0.0.0.0", "--public", "--port", "0")
    assert result.exit_code == 0, result.output
    assert served and served[0][0] == "0.0.0.0" and served[0][1] > 0
    assert f"at http://127.0.0.1:{served[0][1]}/archive/articles" in result.output


def test_loopback_names():
    pytest.importorskip("datasette")
    from scraper.web.server import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("127.0.0.2") and is_loopback("::1")
    assert is_loopback("[::1]") and is_loopback("localhost")
    assert not is_loopback("") and not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_without_datasette_says_how_to_install(archive, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasette", None)  # import fails as if not installed
    result = serve("--db", str(archive))
    assert result.exit_code == 2
    assert one_error_line(result) == "Error: scraper serve needs Datasette: pip install -e '.[web]' in a checkout of scraper"


def test_missing_archive(tmp_path):
    pytest.importorskip("datasette")
    result = serve("--db", str(tmp_path / "none.db"))
    assert result.exit_code == 3
    assert one_error_line(result) == f"Error: no archive at {tmp_path / 'none.db'}"


def test_old_schema_asks_for_migrate_and_is_not_touched(tmp_path):
    pytest.importorskip("datasette")
    old = tmp_path / "old.db"
    shutil.copy(FIXTURES / "archive_v1.db", old)
    before = old.read_bytes()
    result = serve("--db", str(old))
    assert result.exit_code == 3
    assert "upgrade it once with `scraper migrate --db" in one_error_line(result)
    assert old.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]


def test_pending_wal_needs_live(archive):
    pytest.importorskip("datasette")
    with Archive(archive) as writer:  # open: its last write is still in archive.db-wal
        writer.store(Article(title="Two", body="Text."), raw=b"<html>two</html>", url="https://example.com/2")
        assert Path(str(archive) + "-wal").stat().st_size > 0
        result = serve("--db", str(archive))
    assert result.exit_code == 3
    assert "serve with --live" in one_error_line(result)


def test_busy_port(archive):
    pytest.importorskip("datasette")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = serve("--db", str(archive), "--port", str(port))
    assert result.exit_code == 2
    assert one_error_line(result).startswith(f"Error: cannot listen on 127.0.0.1:{port}: ")


def test_help_has_examples():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "scraper serve --db news.db" in result.output and "--expose-raw" in result.output


# -- metadata ------------------------------------------------------------------------

def test_metadata_names_the_database_and_fails_closed():
    metadata = build_metadata("news")
    assert list(metadata["databases"]) == ["news"]
    assert metadata["plugins"]["scraper-web"] == {"database": "news", "expose_raw": False,
                                                  "hosts": ["127.0.0.1", "::1", "localhost"]}
    articles = metadata["databases"]["news"]["tables"]["articles"]
    assert (articles["sort_desc"], articles["fts_table"]) == ("published", "articles_fts")
    assert build_settings()["allow_download"] is False
    assert build_settings(expose_raw=True)["allow_download"] is True
    assert "withheld" not in build_metadata("news", expose_raw=True)["databases"]["news"]["tables"]["pages"][
        "description"]


def test_canned_queries_run_on_a_real_archive(archive):
    """The SQL is checked here without Datasette; the HTTP tests check the answers."""
    conn = sqlite3.connect(archive)
    conn.create_function("scraper_casefold", 1, lambda v: v.casefold().strip())
    params = {"tag": " a "}
    for name, query in canned_queries().items():
        rows = conn.execute(query["sql"], params if ":tag" in query["sql"] else {}).fetchall()
        expected = {"articles_by_tag": 1, "new_last_24_hours": 1, "failed_fetches": 0,
                    "articles_with_versions": 0}[name]
        assert len(rows) == expected, name
    conn.close()


# -- the raw-data guard ----------------------------------------------------------------

def test_authorizer_nulls_raw_columns_and_refuses_attach(tmp_path):
    pytest.importorskip("datasette")
    from scraper.web.plugin import withhold_raw

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, url TEXT, content BLOB, headers TEXT)")
    conn.execute("INSERT INTO pages VALUES (1, 'https://x', x'0102', '{\"a\": \"b\"}')")
    conn.set_authorizer(withhold_raw)
    assert conn.execute("SELECT * FROM pages").fetchall() == [(1, "https://x", None, None)]
    assert conn.execute("SELECT length(CONTENT), HEADERS FROM Pages").fetchall() == [(None, None)]
    assert conn.execute("SELECT count(*) FROM pages WHERE headers LIKE '%a%'").fetchone() == (0,)
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        conn.execute(f"ATTACH DATABASE '{tmp_path / 'other.db'}' AS other")


# -- diffs ----------------------------------------------------------------------------

def test_paragraphs_tidy_whitespace():
    assert paragraphs("  One\n two \n\n\n Three ") == ["One two", "Three"]
    assert paragraphs(None) == [] and paragraphs("") == []


def test_diff_edited_paragraph_is_word_by_word():
    blocks = diff_text("The council met on Monday.\n\nIt voted.", "The council met on Tuesday.\n\nIt voted.")
    assert [b.kind for b in blocks] == ["change", "equal"]
    assert [(s.kind, s.text) for s in blocks[0].segments] == [
        ("equal", "The council met on "), ("delete", "Monday"), ("insert", "Tuesday"), ("equal", ".")]
    assert changed_words(blocks) == (1, 1)


def test_diff_added_removed_and_folded():
    old = "\n\n".join(f"Paragraph {i} stays." for i in range(8))
    new = old.replace("Paragraph 0 stays.", "A new opening line.\n\nParagraph 0 stays.") + "\n\nAn update."
    blocks = diff_text(old, new.replace("Paragraph 4 stays.\n\n", ""))
    assert [b.kind for b in blocks] == ["insert", "equal", "skip", "equal", "delete", "equal", "skip",
                                        "equal", "insert"]
    assert [b.count for b in blocks if b.kind == "skip"] == [2, 1]
    assert blocks[0].text == "A new opening line." and blocks[-1].text == "An update."
    assert changed_words(blocks) == (6, 3)


def test_diff_unrelated_paragraph_is_replaced_not_interleaved():
    blocks = diff_text("Completely different words here.", "Nothing alike at all now.")
    assert [(b.kind, b.text) for b in blocks] == [("delete", "Completely different words here."),
                                                  ("insert", "Nothing alike at all now.")]


def test_diff_cjk_by_character_and_identical_is_empty():
    blocks = diff_text("市立図書館が開館", "市立図書館が閉館")
    assert [(s.kind, s.text) for s in blocks[0].segments] == [
        ("equal", "市立図書館が"), ("delete", "開"), ("insert", "閉"), ("equal", "館")]
    assert diff_text("Same text.\n\nAgain.", "Same  text.\n\n Again.") == []


# -- the article page's content ----------------------------------------------------

@pytest.mark.parametrize(("value", "shown"), [
    ("2021-07-22", "22 July 2021"),
    ("2021-07-22T13:05:00+03:00", "22 July 2021, 13:05 UTC+03:00"),
    ("2024-01-01T00:00:00+00:00", "1 January 2024, 00:00 UTC"),
    ("2024-01-01T09:30:00Z", "1 January 2024, 09:30 UTC"),
    ("2023-03-14T09:30:00-05:30", "14 March 2023, 09:30 UTC-05:30"),
    ("2024-05-10T12:00:00", "10 May 2024, 12:00"),
    ("last Tuesday", "last Tuesday"),
    (None, ""),
])
def test_display_date(value, shown):
    assert display_date(value) == shown


def test_json_list():
    assert json_list('["a", "b"]') == ["a", "b"] and json_list("[]") == [] and json_list(None) == []
    assert json_list("not json") == ["not json"] and json_list(["x"]) == ["x"]


def test_body_html_is_cut_to_safe_markup():
    hostile = ('<h1 onclick="x()">Head</h1><p style="color:red">Text <a href="javascript:alert(1)">bad</a> '
               '<a href="/rel" onmouseover="y()">rel</a> <a href="https://ok.example/">ok</a></p>'
               '<script>alert(1)</script><img src="https://tracker.example/p.gif"><iframe src="x"></iframe>'
               '<!-- note --><div class="c"><span>kept</span></div><svg><text>drawn</text></svg>')
    html = str(safe_body_html(hostile, "https://site.example/a/story.html"))
    assert html == ('<h2>Head</h2><p>Text <a>bad</a> '
                    '<a href="https://site.example/rel" rel="nofollow noopener noreferrer">rel</a> '
                    '<a href="https://ok.example/" rel="nofollow noopener noreferrer">ok</a></p>kept')
    assert safe_body_html("") is None and safe_body_html("   ") is None


def test_article_context_orders_history_and_names_changes():
    row = {"id": 7, "url": "https://example.com/s", "title": "New title", "authors": '["Ann"]',
           "tags": '["A", "B"]', "published": "2024-01-02", "modified": None, "body": "One.\n\nTwo more.",
           "body_html": "", "updated_at": "2024-03-01T00:00:00+00:00", "last_fetched": "2024-03-02T00:00:00+00:00",
           "word_count": 3}
    versions = [
        {"id": 2, "title": "Old title", "authors": '["Ann"]', "tags": '["A"]', "published": "2024-01-02",
         "modified": None, "body": "One.\n\nTwo.", "seen_from": "2024-02-01T00:00:00+00:00",
         "seen_until": "2024-02-05T00:00:00+00:00", "replaced_at": "2024-03-01T00:00:00+00:00", "reason": "fetch"},
        {"id": 1, "title": "Old title", "authors": "[]", "tags": '["A"]', "published": "2024-01-02",
         "modified": None, "body": "One.", "seen_from": "2024-01-02T00:00:00+00:00",
         "seen_until": "2024-01-03T00:00:00+00:00", "replaced_at": "2024-02-01T00:00:00+00:00",
         "reason": "reextract"},
    ]
    context = article_context(row, versions)
    history = context["history"]
    assert [s["label"] for s in history] == ["Version 3 (current)", "Version 2", "Version 1"]
    assert context["version_count"] == 3
    assert history[0]["changes"] == [{"field": "Title", "old": "Old title", "new": "New title"},
                                     {"field": "Tags", "old": "A", "new": "A, B"}]
    assert [(b.kind, [s.text for s in b.segments if s.kind == "insert"]) for b in history[0]["diff"]] == [
        ("equal", []), ("change", [" more"])]
    assert history[1]["changes"] == [{"field": "Authors", "old": "(none)", "new": "Ann"}]
    assert [b.kind for b in history[1]["diff"]] == ["equal", "insert"]
    assert history[1]["replaced_by"] == "a new fetch" and history[2]["replaced_by"] == "re-extraction"
    assert history[2]["first"] and history[2]["diff"] == []
    assert str(context["article"]["body_html"]) == "<p>One.</p>\n<p>Two more.</p>"  # no HTML: the text
    assert context["article"]["original_url"] == "https://example.com/s"
    hostile = article_context({**row, "canonical_url": "javascript:alert(1)", "url": "javascript:x"}, [])
    assert hostile["article"]["original_url"] is None


def test_missing_browser_fails_on_ci_and_skips_elsewhere(monkeypatch):
    from browser_support import browser_unavailable

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no chromium .CI=true"):
        browser_unavailable("no chromium")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        browser_unavailable("no chromium")


def test_tags_facet_counts_each_article_once(tmp_path):
    """The keyed array facet gives Datasette's answers: a tag repeated in one article counts once."""
    pytest.importorskip("datasette")
    import asyncio

    from scraper.web.server import make_datasette

    path = tmp_path / "tags.db"
    with Archive(path) as a:
        for i, tags in enumerate((["X", "X", "Y"], ["X"], ["Y", "Z"], [])):
            a.store(Article(title=f"T{i}", body="b", tags=tags), raw=f"<p>{i}</p>".encode(),
                    url=f"https://example.com/{i}")
    ds = make_datasette(path)
    from datasette.facets import ArrayFacet
    from datasette.plugins import pm

    from scraper.web.plugin import KeyedArrayFacet

    registered = [k for group in pm.hook.register_facet_classes() for k in group]
    assert KeyedArrayFacet in registered and ArrayFacet not in registered

    async def facets(query: str) -> dict:
        answer = await ds.client.get(f"/tags/articles.json?_size=0{query}")
        assert answer.status_code == 200
        return {r["value"]: r["count"] for r in answer.json()["facet_results"]["tags"]["results"]}

    assert asyncio.run(facets("")) == {"X": 2, "Y": 2, "Z": 1}
    assert asyncio.run(facets("&title=T0")) == {"X": 1, "Y": 1}
