"""Issue 15, "a first day without surprises": what a new user meets, item by item —
config checks, exit codes, pipes, paths, notes, filters, the extract command and the
polish. Real parts throughout: the installed ``scraper`` in subprocesses or Click's
runner, local HTTP servers (tests/sites.py), real SQLite archives."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import Gate, LocalSite, article_html, rss_feed

from scraper import Archive
from scraper.article import Article
from scraper.cli import EXIT_ARCHIVE, EXIT_FAILED, EXIT_OK, EXIT_USAGE, cli

SCRIPT = Path(sys.executable).with_name("scraper")
FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def one_error(result, code: int) -> str:
    """The result failed with ``code`` and one ``Error:`` line on stderr, no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def site_with_feed(site: LocalSite, stories: int = 2, **route: object) -> tuple[str, list[str]]:
    host = site.host("h")
    host.add("/robots.txt", "", content_type="text/plain")
    urls = []
    for n in range(stories):
        host.add(f"/story/{n}", article_html(f"Story {n}", seed=f"s{n}"), **route)
        urls.append(host.url(f"/story/{n}"))
    host.add("/feed.xml", rss_feed([(u, "") for u in urls]), content_type="application/rss+xml")
    return host.url("/feed.xml"), urls


@pytest.fixture
def small_archive(tmp_path: Path) -> Path:
    """Three rows: two articles (two sites, two tags) and a home page that is not an article."""
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        archive.store(Article(title="Border outpost", body="Talks on the border outpost. " * 20,
                              published="2021-07-22T13:05:00+03:00", tags=["Afghanistan", "Tajikistan"],
                              site_name="The Moscow Times"),
                      raw=b"<html>1</html>", url="https://www.themoscowtimes.com/2021/07/22/a")
        archive.store(Article(title="Budget vote", body="The council voted on the budget. " * 20,
                              published="2024-05-01", tags=["Budget"]),
                      raw=b"<html>2</html>", url="https://news.example.org/budget")
        archive.store(Article(title="Example News", body="Home.", is_article=False),
                      raw=b"<html>3</html>", url="https://news.example.org/")
    return db


# -- 2. sites.toml: every value checked before any request ----------------------------------

@pytest.mark.parametrize(("setting", "where", "message"), [
    ('delay = "1.5"', "top", 'config {cfg}: delay must be a number (0 or more), not "1.5"'),
    ('workers = "eight"', "top", 'config {cfg}: workers must be a whole number (0 or more), not "eight"'),
    ('max_pages = "2"', "site", 'config {cfg}, site news: max_pages must be a whole number (0 or more), not "2"'),
    ("follow = 3", "site", "config {cfg}, site news: follow must be a string or a list of strings, not 3"),
    ('refresh = "yes"', "top", 'config {cfg}: refresh must be true or false, not "yes"'),
])
def test_a_quoted_number_in_the_config_is_one_line_before_any_request(tmp_path, setting, where, message):
    with LocalSite() as site:
        feed, _ = site_with_feed(site)
        top, inside = (setting, "") if where == "top" else ("", setting)
        cfg = tmp_path / "sites.toml"
        cfg.write_text(f'{top}\n[[site]]\nname = "news"\nfeeds = ["{feed}"]\n{inside}\n')
        result = run("crawl", "--config", str(cfg), "--db", str(tmp_path / "a.db"))
        assert one_error(result, EXIT_USAGE) == "Error: " + message.format(cfg=cfg)
        assert site.log == []  # nothing was requested
    assert not (tmp_path / "a.db").exists()


# -- 3. serve --live during the first crawl of a new archive --------------------------------

def test_serve_live_shows_a_new_archive_during_its_first_crawl(tmp_path):
    pytest.importorskip("datasette")
    from browser_support import Served

    db = tmp_path / "new.db"
    gate = Gate()
    with LocalSite() as site:
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        host.add("/a", article_html("Story A", seed="a"))
        host.add("/b", article_html("Story B", seed="b"), hold=gate)
        host.add("/feed.xml", rss_feed([(host.url("/a"), ""), (host.url("/b"), "")]),
                 content_type="application/rss+xml")
        crawl = subprocess.Popen([str(SCRIPT), "crawl", "--db", str(db), "--delay", "0", "--workers", "1",
                                  "--feed", host.url("/feed.xml")], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
        try:
            gate.wait_arrivals(1)  # story A stored, B in flight: the new archive is all in its -wal
            plain = run("serve", "--db", str(db), "--port", "0")
            assert "serve with --live" in one_error(plain, EXIT_ARCHIVE)
            with Served(db, "--live") as server:
                status, body, _ = server.get("/new/articles.json?_shape=array")
                assert status == 200, body
                assert [row["title"] for row in json.loads(body)] == ["Story A"]
        finally:
            gate.release()
            _, err = crawl.communicate(timeout=120)
        assert crawl.returncode == EXIT_OK, err


# -- 4. a plain-text file is refused as over HTTP --------------------------------------------

def test_a_plain_text_file_is_not_archived_as_an_article(tmp_path, db_path):
    text = tmp_path / "story.txt"
    text.write_text("Moscow agreed to help. Support independent journalism: donate now.\n" * 20)
    result = run("fetch", str(text), "--url", "https://example.com/story", "--db", str(db_path))
    assert result.exit_code == EXIT_FAILED
    assert result.stderr.splitlines()[0] == (f"failed       -    https://example.com/story  not-html: {text}: "
                                             "no HTML markup in its first 8 KB (a plain-text file?)")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
        assert conn.execute("SELECT error FROM fetches").fetchall() == [
            ("not-html: no HTML markup in its first 8 KB (a plain-text file?)",)]
    # the same bytes over HTTP: refused for the same reason kind
    with LocalSite() as site:
        host = site.host("h")
        host.add("/story", text.read_bytes(), content_type="text/plain")
        over_http = run("fetch", host.url("/story"), "--db", str(db_path))
    assert over_http.exit_code == EXIT_FAILED and "not-html" in over_http.stderr
    # an HTML page saved to a file is archived as before
    page = tmp_path / "page.html"
    page.write_bytes((FIXTURES / "news_article.html").read_bytes())
    assert run("fetch", str(page), "--url", "https://example.com/a", "--db", str(db_path)).exit_code == EXIT_OK


# -- 5. every output path checked before the work --------------------------------------------

def test_an_unwritable_summary_json_is_refused_before_the_crawl(tmp_path):
    with LocalSite() as site:
        feed, _ = site_with_feed(site)
        result = run("crawl", "--feed", feed, "--db", str(tmp_path / "a.db"),
                     "--summary-json", str(tmp_path / "nodir" / "s.json"))
        assert one_error(result, EXIT_USAGE) == \
            f"Error: --summary-json {tmp_path / 'nodir' / 's.json'}: folder does not exist: {tmp_path / 'nodir'}"
        assert site.log == []  # checked before anything was requested
    result = run("export", "-o", str(tmp_path), "--db", str(tmp_path / "a.db"))
    assert one_error(result, EXIT_USAGE) == f"Error: -o {tmp_path} is a directory"


# -- 6. exit codes as README says ---------------------------------------------------------------

@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["stats"], ["export"], ["fetch", "http://x.invalid/"],
                                     ["search", "word"], ["migrate"]])
def test_a_directory_as_db_is_an_archive_error(tmp_path, command):
    result = run(*command, "--db", str(tmp_path))
    line = one_error(result, EXIT_ARCHIVE)
    assert str(tmp_path) in line and "Usage:" not in result.output


def test_bad_urls_in_an_input_file_are_usage_errors_like_on_the_command_line(tmp_path, db_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("# seeds\nhttp://127.0.0.1:9/fine\n\nftp://127.0.0.1/x\n")
    result = run("fetch", "--input", str(urls), "--db", str(db_path))
    assert one_error(result, EXIT_USAGE) == \
        f"Error: {urls} line 4: unsupported scheme 'ftp': only http and https are fetched"
    on_the_line = run("fetch", "ftp://127.0.0.1/x", "--db", str(db_path))
    assert on_the_line.exit_code == EXIT_USAGE
    assert not db_path.exists()  # nothing fetched, no archive made


# -- 7. '-' is stdout; a closed pipe ends quietly ----------------------------------------------

def test_export_to_dash_writes_stdout_not_a_file(small_archive, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("export", "-o", "-", "--fields", "url", "--db", str(small_archive))
    assert result.exit_code == EXIT_OK
    assert result.stdout.splitlines()[0] == "url" and len(result.stdout.splitlines()) == 4
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("command", [["export", "--format", "jsonl"], ["list", "-n", "5000"],
                                     ["show", "1"], ["search", "paragraph", "-n", "5000"]])
def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(tmp_path, command):
    db = tmp_path / "big.db"
    body = "\n\n".join(f"A long paragraph number {n} about the council and its budget." for n in range(4000))
    with Archive(db) as archive:  # far more output than a pipe buffer holds
        for n in range(1500):
            archive.store(Article(title=f"Paragraph story {n}", body=body if n == 0 else f"paragraph {n}"),
                          raw=b"<html></html>", url=f"https://example.com/{n}")
    proc = subprocess.Popen([str(SCRIPT), *command, "--db", str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline()  # `| head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == EXIT_OK, err
    assert err == ""
    assert sorted(p.name for p in tmp_path.glob("big.db*")) == ["big.db"]  # stopped half-way, still tidy


# -- 8. the web view names the schema it serves -------------------------------------------------

def test_web_metadata_says_the_current_schema_version():
    from scraper.archive import SCHEMA_VERSION
    from scraper.web.metadata import build_metadata

    description = build_metadata("archive")["databases"]["archive"]["description"]
    assert description == f"A scraper archive (schema v{SCHEMA_VERSION})."


# -- 9. the progress bar's time left ignores the start-up of the extraction processes ----------

def test_time_left_comes_from_the_pace_after_the_first_pages():
    from scraper.cli import Eta

    now = [0.0]
    eta = Eta(2000, clock=lambda: now[0])
    assert eta.text() is None  # nothing known yet
    now[0] = 1.5  # the processes imported for 1.5 s, then the first chunk came back
    eta.update(25)
    assert eta.text() is None  # one report gives no pace
    now[0] = 1.6
    eta.update(25)  # 25 pages in 0.1 s: 250 pages/s, 1950 left
    assert eta.left() == pytest.approx(7.8)
    assert eta.text() == "~8s left"  # click's own estimate said (1.6 s / 50) × 1950 = 62 s


# -- 10. a --follow or --include pattern that matched nothing is reported with the fix ----------

def test_a_follow_pattern_that_matches_no_link_says_so(tmp_path):
    from sites import section_html

    with LocalSite() as site:
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        for n in range(3):
            host.add(f"/news/{n}", article_html(f"Story {n}", seed=f"n{n}"))
        host.add("/news/", section_html("News", [(f"/news/{n}", f"Story {n}") for n in range(3)]))
        result = run("crawl", "--start", host.url("/news/"), "--follow", "/news/", "--delay", "0",
                     "--db", str(tmp_path / "a.db"))
        assert result.exit_code == EXIT_OK, result.output
        assert ("--follow '/news/' matched none of the 5 URLs found; patterns are globs on the whole path "
                "and query (did you mean '/news/*'?)") in result.stderr
        fixed = run("crawl", "--start", host.url("/news/"), "--follow", "/news/*", "--delay", "0",
                    "--db", str(tmp_path / "b.db"))
        assert fixed.exit_code == EXIT_OK and "matched none" not in fixed.stderr
        assert "3 new" in fixed.stderr.splitlines()[-1]


# -- 11. the private-address note: once per host; never for a URL that is refused --------------

def test_the_private_address_note_comes_once_per_host(tmp_path, db_path):
    with LocalSite() as site:
        host = site.host("h")
        urls = []
        for n in range(5):
            host.add(f"/{n}", article_html(f"Story {n}", seed=f"p{n}"))
            urls.append(host.url(f"/{n}"))
        listing = tmp_path / "urls.txt"
        listing.write_text("\n".join(urls) + "\n")
        result = run("fetch", "--input", str(listing), "--db", str(db_path))
    assert result.exit_code == EXIT_OK
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert notes == [f"note: {urls[0]} is on a private address (127.0.0.1): fetching it because you gave it; "
                     "redirects from public addresses to private ones are still refused"]
    refused = run("fetch", "ftp://127.0.0.1/x", "--db", str(db_path))
    assert "note:" not in refused.stderr and "fetching it" not in refused.stderr


# -- 12. one meaning per short option, one date grammar -------------------------------------

def test_q_means_quiet_everywhere_and_export_takes_query_in_full(small_archive):
    from scraper.cli import cli as group

    for name, command in group.commands.items():
        for param in command.params:
            if "-q" in getattr(param, "opts", []):
                assert param.name == "quiet", f"{name}: -q is --{param.name}"
    result = run("export", "--query", "budget", "--fields", "title", "--db", str(small_archive))
    assert result.stdout.splitlines() == ["title", "Budget vote"]
    assert run("export", "-q", "budget", "--db", str(small_archive)).exit_code == EXIT_USAGE


def test_relative_dates_work_for_export_search_and_list(tmp_path):
    from datetime import datetime, timedelta, timezone

    db = tmp_path / "a.db"
    today = datetime.now(timezone.utc)
    with Archive(db) as archive:
        for days, title in ((1, "Fresh budget"), (40, "Old budget")):
            # a moment, not a date: yesterday's date alone reads as its midnight, more than 36 h
            # ago from noon UTC on, and `list --since 36h` then rightly left it out
            when = (today - timedelta(days=days)).isoformat(timespec="seconds")
            archive.store(Article(title=title, body=f"The budget story {title}.", published=when),
                          raw=b"<html></html>", url=f"https://example.com/{days}")
    exported = run("export", "--since", "2w", "--fields", "title", "--db", str(db))
    assert exported.stdout.splitlines() == ["title", "Fresh budget"]
    found = run("search", "budget", "--since", "7d", "--format", "json", "--db", str(db))
    assert [hit["title"] for hit in json.loads(found.stdout)] == ["Fresh budget"]
    listed = run("list", "--since", "36h", "--format", "json", "--db", str(db))
    assert [row["title"] for row in json.loads(listed.stdout)] == ["Fresh budget"]
    bad = run("export", "--since", "soon", "--db", str(db))
    assert one_error(bad, EXIT_USAGE).startswith("Error: --since: not a date: 'soon' (use YYYY, YYYY-MM")


# -- 13. pages that are not articles can be left out; is_article is a default column -----------

def test_articles_only_in_list_search_and_export(small_archive):
    listed = run("list", "--articles-only", "--format", "json", "--db", str(small_archive))
    assert sorted(r["title"] for r in json.loads(listed.stdout)) == ["Border outpost", "Budget vote"]
    everything = run("list", "--format", "json", "--db", str(small_archive))
    assert len(json.loads(everything.stdout)) == 3
    found = run("search", "Example OR budget", "--articles-only", "--format", "json", "--db", str(small_archive))
    assert [h["title"] for h in json.loads(found.stdout)] == ["Budget vote"]
    exported = run("export", "--db", str(small_archive))
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {r["title"]: r["is_article"] for r in rows} == {"Border outpost": "1", "Budget vote": "1",
                                                           "Example News": "0"}
    only = run("export", "--articles-only", "--fields", "title", "--db", str(small_archive))
    assert sorted(only.stdout.splitlines()[1:]) == ["Border outpost", "Budget vote"]


# -- 14. list as data, with filters; extract without archiving -----------------------------------

def test_list_formats_and_filters(small_archive):
    as_csv = run("list", "--format", "csv", "--site", "news.example.org", "--db", str(small_archive))
    lines = as_csv.stdout.splitlines()
    assert lines[0] == "id,published,site,title,url,is_article,last_fetched"
    assert sorted(line.split(",")[3] for line in lines[1:]) == ["Budget vote", "Example News"]
    tagged = run("list", "--tag", "afghanistan", "--format", "jsonl", "--db", str(small_archive))
    assert [json.loads(line)["title"] for line in tagged.stdout.splitlines()] == ["Border outpost"]
    text = run("list", "--db", str(small_archive)).stdout
    assert "Example News  [not an article]" in text


def test_extract_prints_an_article_without_archiving(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with LocalSite() as site:
        host = site.host("h")
        host.add("/story", (FIXTURES / "news_article.html").read_bytes())
        host.add("/notes.txt", b"just some text\n" * 50, content_type="text/plain")
        as_text = run("extract", host.url("/story"))
        as_json = run("extract", host.url("/story"), "--format", "json")
        as_md = run("extract", host.url("/story"), "--format", "markdown")
        refused = run("extract", host.url("/notes.txt"))
    assert as_text.exit_code == EXIT_OK, as_text.output
    title = "Russia in Talks to Help Tajikistan Build Afghan Border Outpost"
    assert as_text.stdout.startswith(title + "\n\nRussia will help Tajikistan build an outpost")
    data = json.loads(as_json.stdout)
    assert data["title"] == title and data["published"].startswith("2021-07-22") and data["is_article"] is True
    assert as_md.stdout.startswith(f"# {title}\n\n")
    assert refused.exit_code == EXIT_FAILED
    lines = [line for line in refused.stderr.splitlines() if not line.startswith("note: ")]  # a local server
    assert len(lines) == 1 and lines[0].startswith("Error: not-html: not an HTML page (Content-Type: text/plain)")
    saved = run("extract", str(FIXTURES / "news_article.html"), "--format", "json")
    assert json.loads(saved.stdout)["title"] == title
    assert list(tmp_path.iterdir()) == []  # no archive.db, nothing written


# -- 15. a page that answers 404 or 410 is settled at once -------------------------------------

def test_a_404_sitemap_entry_is_final_at_once_and_not_a_failure(tmp_path):
    from sites import urlset

    db = tmp_path / "a.db"
    with LocalSite() as site:
        host = site.host("h")
        host.add("/robots.txt", "", content_type="text/plain")
        host.add("/a", article_html("Story A", seed="a"))
        host.add("/gone", "<html>gone</html>", status=410)
        host.add("/sitemap.xml", urlset([(host.url("/a"), None), (host.url("/missing"), None),
                                         (host.url("/gone"), None)]), content_type="application/xml",
                 conditional=False)
        args = ["crawl", "--sitemap", host.url("/sitemap.xml"), "--delay", "0", "--db", str(db),
                "--summary-json", str(tmp_path / "s.json")]
        first = run(*args)
        assert first.exit_code == EXIT_OK, first.output
        summary = json.loads((tmp_path / "s.json").read_text())
        assert (summary["new"], summary["gone"], summary["failed"]) == (1, 2, 0)
        assert f"gone      404  {host.url('/missing')}  http: HTTP 404 Not Found" in first.stderr
        second = run(*args)
        assert second.exit_code == EXIT_OK
        assert len(site.hits("h", "/missing")) == 1 and len(site.hits("h", "/gone")) == 1  # not asked again
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM fetches WHERE error LIKE 'http: HTTP 404%'").fetchone()[0] == 1


# -- 16. reading leaves nothing beside the archive ------------------------------------------------

@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["search", "budget"], ["export"], ["stats"],
                                     ["export-warc", "-o", "{tmp}/out.warc.gz"]])
def test_read_only_commands_leave_no_wal_or_shm(small_archive, tmp_path, command):
    import hashlib

    before = hashlib.sha256(small_archive.read_bytes()).hexdigest()
    assert sorted(p.name for p in small_archive.parent.glob("archive.db*")) == ["archive.db"]
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    done = subprocess.run([str(SCRIPT), *args, "--db", str(small_archive)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == EXIT_OK, done.stderr
    assert sorted(p.name for p in small_archive.parent.glob("archive.db*")) == ["archive.db"]
    assert hashlib.sha256(small_archive.read_bytes()).hexdigest() == before


def test_a_reader_does_not_remove_the_side_files_of_a_writer_that_is_open(small_archive):
    with Archive(small_archive) as writer:  # a crawl, say: its -wal and -shm must stay
        writer.store(Article(title="More", body="Text."), raw=b"<html>m</html>", url="https://example.com/m")
        assert run("list", "--db", str(small_archive)).exit_code == EXIT_OK
        assert Path(str(small_archive) + "-shm").exists() and Path(str(small_archive) + "-wal").exists()
        writer.store(Article(title="Again", body="Text 2."), raw=b"<html>n</html>", url="https://example.com/n")
    with sqlite3.connect(small_archive) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 5


# -- 17. the published column parses in pandas with one call --------------------------------------

def test_published_parses_with_the_call_readme_gives(small_archive, tmp_path):
    pandas = pytest.importorskip("pandas")
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    call = 'pandas.to_datetime(df.published, format="ISO8601", utc=True)'
    assert call in readme
    with Archive(small_archive) as archive:  # a naive time beside a day, an offset time and none
        archive.store(Article(title="Naive", body="x", published="2022-03-04T05:06:07"), raw=b"<html></html>",
                      url="https://example.com/naive")
    out = tmp_path / "a.csv"
    assert run("export", "-o", str(out), "--db", str(small_archive)).exit_code == EXIT_OK
    df = pandas.read_csv(out, keep_default_na=False)
    parsed = eval(call, {"pandas": pandas, "df": df})  # README's line, as a reader runs it
    assert parsed.isna().sum() == 1  # only the page without a date (the home page)
    assert sorted(parsed.dropna().dt.strftime("%Y-%m-%dT%H:%M")) == ["2021-07-22T10:05", "2022-03-04T05:06",
                                                                    "2024-05-01T00:00"]


# -- 19. polish ----------------------------------------------------------------------------------

def test_markdown_has_no_line_of_spaces_between_blocks():
    from scraper.extraction import extract, render_body

    article = extract((FIXTURES / "news_article.html").read_bytes(), "https://example.com/a")
    markdown = render_body(article.body_html, "markdown")
    assert markdown.count("\n\n") > 3
    assert not [line for line in markdown.splitlines() if line and not line.strip()]


def test_counts_are_said_in_the_singular_when_one(tmp_path, db_path):
    page = tmp_path / "page.html"
    page.write_bytes((FIXTURES / "news_article.html").read_bytes())
    fetched = run("fetch", str(page), "--url", "https://example.com/a", "--db", str(db_path))
    assert fetched.stderr.splitlines()[-1] == "1 URL: 1 new, 0 failed"
    stats = run("stats", "--db", str(db_path)).stdout.splitlines()[0]
    assert stats.startswith("1 article (0 undated, 0 not articles) from 1 site; 0 past versions; 1 page ")
    assert " 1 sites" not in stats and " 1 articles" not in stats


def test_a_crawl_that_reaches_its_page_limit_says_so(tmp_path):
    with LocalSite() as site:
        feed, _ = site_with_feed(site, stories=3)
        result = run("crawl", "--feed", feed, "--max-pages", "1", "--delay", "0", "--db", str(tmp_path / "a.db"))
    assert result.exit_code == EXIT_OK
    assert result.stderr.splitlines()[-1].startswith("crawl stopped at its page limit in ")


def test_list_on_an_empty_archive_says_so_and_bare_scraper_shows_help(db_path):
    Archive(db_path).close()
    empty = run("list", "--db", str(db_path))
    assert empty.exit_code == EXIT_OK and empty.stdout == "" and empty.stderr == "no articles in the archive\n"
    filtered = run("list", "--site", "nowhere.example", "--db", str(db_path))
    assert filtered.stderr == "no articles match\n"
    bare = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=120)
    assert bare.returncode == EXIT_OK and bare.stdout.startswith("Usage: scraper [OPTIONS] [COMMAND]")


def test_install_hints_name_our_checkout_not_the_registry(monkeypatch, tmp_path, db_path):
    import builtins

    Archive(db_path).close()
    real_import = builtins.__import__

    def no_datasette(name, *args, **kwargs):
        if name == "datasette":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_datasette)
    result = run("serve", "--db", str(db_path))
    assert one_error(result, EXIT_USAGE) == \
        "Error: scraper serve needs Datasette: pip install -e '.[web]' in a checkout of scraper"
    for command in ("serve", "crawl", "reextract"):
        assert "scraper[" not in run(command, "--help").stdout


def test_show_names_the_site_and_the_publication_apart(small_archive):
    shown = run("show", "1", "--db", str(small_archive)).stdout.splitlines()
    assert "Site: themoscowtimes.com" in shown and "Publication: The Moscow Times" in shown
    other = run("show", "2", "--db", str(small_archive)).stdout.splitlines()
    assert "Site: news.example.org" in other and not any(line.startswith("Publication:") for line in other)


def test_quality_tests_name_the_benchmark_folder_setting():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "SCRAPER_BENCH_DIR" in readme
    for name in ("test_quality_bodies.py", "test_quality_dates.py"):
        assert "SCRAPER_BENCH_DIR" in (Path(__file__).parent / name).read_text()


# -- 18. the web articles page: facets, month order, search by relevance, tags in any case ------

def busy_archive(db: Path) -> Path:
    """40 articles over 20 months with 35 tags (two spelled in two cases) — the facets of a
    real archive — and a search word that is in one title and in many bodies."""
    with Archive(db) as archive:
        for n in range(40):
            month = f"{2022 + n // 12:04d}-{n % 12 + 1:02d}"
            tags = [f"Topic {n % 35}", "Klima" if n % 2 else "klima"]
            body = f"Story {n} about the council. " * 10 + (" The harbour was mentioned once." if n % 3 else "")
            title = "The harbour plan" if n == 7 else f"Council story {n}"
            archive.store(Article(title=title, body=body, published=f"{month}-1{n % 10}", tags=tags),
                          raw=f"<html>{n}</html>".encode(), url=f"https://news.example.org/{n}")
    return db


def test_web_month_facet_search_ranking_and_tags_in_any_case(tmp_path):
    pytest.importorskip("datasette")
    from browser_support import Served

    db = busy_archive(tmp_path / "busy.db")
    with Served(db) as server:
        status, body, _ = server.get("/busy/articles.json?_shape=objects")
        assert status == 200
        facets = json.loads(body)["facet_results"]
        months = [item["value"] for item in facets["published_month"]["results"]]
        assert months == sorted(months, reverse=True) and months[0] == "2025-04"  # newest month first
        tags = {item["value"].casefold(): item["count"] for item in facets["tags"]["results"]}
        assert tags["klima"] == 40  # 'Klima' and 'klima' are one tag
        assert len(facets["tags"]["results"]) == 8  # a few, not 30, above the stories

        status, body, _ = server.get("/busy/articles.json?_tag=KLIMA&_shape=objects&_col=title&_size=100")
        assert len(json.loads(body)["rows"]) == 40  # the facet's link keeps what it counted

        status, body, _ = server.get("/busy/articles?_search=harbour")  # followed to the search page
        assert status == 200
        import lxml.html

        page = lxml.html.fromstring(body.decode())
        titles = [a.text for a in page.find_class("scraper-title-link")]
        assert titles[0] == "The harbour plan"  # the title match ranks first, not the newest story
        snippets = [s.text_content() for s in page.find_class("scraper-snippet")]
        assert "harbour" in snippets[1] and [m.text for m in page.find_class("scraper-snippet")[1].iter("mark")] \
            == ["harbour"]  # the matching passage, not the lead paragraph
        by_date = server.get("/busy/articles?_search=harbour&_sort_desc=published")[1]
        assert b"scraper-card" in by_date and b"scraper-snippet" not in by_date  # still there when asked for
