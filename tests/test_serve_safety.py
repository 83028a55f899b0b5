"""`scraper serve` against hostile archives and hostile browsers: a long article cannot
freeze it, a page elsewhere cannot read it by rebinding its name, its CSV cannot run
formulas, its file path stays its own, an archive a first crawl is still writing opens
with --live, and an absurd article number is a 404."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import random
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("datasette")

from browser_support import Served  # noqa: E402

from scraper import Archive  # noqa: E402
from scraper.article import Article  # noqa: E402
from scraper.diff import MAX_WORD_DIFF, changed_words, diff_text  # noqa: E402
from scraper.web import plugin, server  # noqa: E402
from scraper.web.plugin import ExcelSafeCsv  # noqa: E402

WORDS = ["the", "council", "said", "on", "tuesday", "that", "new", "budget", "would", "fund", "schools", "roads"]


def long_paragraph(words: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(11)) + "." for _ in range(words // 12))


def two_versions(db: Path, words: int) -> int:
    """An article stored twice: 16,000 words in one paragraph, one sentence rewritten."""
    old = long_paragraph(words, 1)
    sentences = old.split(". ")
    sentences[len(sentences) // 2] = "A wholly rewritten sentence in the middle of it all"
    new = ". ".join(sentences)
    with Archive(db) as archive:
        archive.store(Article(title="Long read", body=old), raw=b"<html>v1</html>", url="https://x.example/long",
                      fetched_at="2024-01-01T00:00:00+00:00")
        stored = archive.store(Article(title="Long read", body=new), raw=b"<html>v2</html>",
                               url="https://x.example/long", fetched_at="2024-01-02T00:00:00+00:00")
    return stored.article_id


# -- the diff of a long article ----------------------------------------------------------------

def test_a_huge_paragraph_is_compared_sentence_by_sentence():
    old = long_paragraph(16_000, 1)
    sentences = old.split(". ")
    sentences[700] = "A wholly rewritten sentence in the middle of it all"
    new = ". ".join(sentences)
    assert len(old.split()) > MAX_WORD_DIFF
    [block] = diff_text(old, new)
    assert block.kind == "change"
    equal = "".join(s.text for s in block.segments if s.kind == "equal")
    assert len(equal) > 0.95 * len(new)  # the unchanged sentences, kept whole
    inserted = " ".join(s.text for s in block.segments if s.kind == "insert")
    assert {"wholly", "rewritten", "sentence"} <= set(inserted.split()) and len(inserted) < 200
    added, removed = changed_words(diff_text(old, new))
    assert added < 20 and removed < 20


def test_an_article_page_is_worked_out_off_the_event_loop(tmp_path, monkeypatch):
    # The history's diffs run in a thread: while one article page is being worked out,
    # the server answers other requests. A stand-in for the work waits until another
    # request has been answered; on the event loop it would wait in vain.
    db = tmp_path / "archive.db"
    article_id = two_versions(db, 2_000)
    answered_meanwhile = threading.Event()
    outcome: list[bool] = []
    real = plugin.article_context

    def slow_context(row, versions):
        outcome.append(answered_meanwhile.wait(60))
        return real(row, versions)

    monkeypatch.setattr(plugin, "article_context", slow_context)

    async def scenario() -> tuple[int, int]:
        ds = server.make_datasette(db)
        await ds.invoke_startup()
        page = asyncio.ensure_future(ds.client.get(f"/archive/article/{article_id}"))
        other = await ds.client.get("/archive/articles.json?_size=1")
        answered_meanwhile.set()
        return (await page).status_code, other.status_code

    assert asyncio.run(scenario()) == (200, 200)
    assert outcome == [True]


def test_the_article_page_of_a_16000_word_rewrite_shows_its_diff(tmp_path):
    db = tmp_path / "archive.db"
    article_id = two_versions(db, 16_000)
    with Served(db) as served:
        status, body, _ = served.get(f"/archive/article/{article_id}")
    assert status == 200
    assert b"wholly rewritten sentence" in body


# -- who may ask ------------------------------------------------------------------------------

def request(url: str, host: str | None = None) -> tuple[int, bytes]:
    headers = {"Host": host} if host else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def small_archive(tmp_path):
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        for n, title in enumerate(["=HYPERLINK(\"https://evil.example\",\"click\")", "+1+2", "-cmd", "@SUM(A1)",
                                   "Plain title", "Multi\nline, =quoted"]):
            archive.store(Article(title=title, body=f"Body {n}."), raw=b"<html></html>",
                          url=f"https://x.example/{n}")
    return db


def test_only_this_machines_names_are_answered(small_archive):
    with Served(small_archive) as served:
        port = served.url.rsplit(":", 1)[1]
        assert request(served.url + "/archive/articles.json")[0] == 200
        for name in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST.:{port}", "127.0.0.1"):
            assert request(served.url + "/archive/articles.json", name)[0] == 200, name
        for name in (f"evil.example:{port}", "attacker.test", f"127.0.0.1.nip.io:{port}", f"[::2]:{port}"):
            status, body = request(served.url + "/archive/articles.json", name)
            assert status == 400, name
            assert b"this server answers to 127.0.0.1, ::1, localhost only" in body
    with Served(small_archive, "--public", "--host", "127.0.0.1") as served:
        assert request(served.url + "/archive/articles.json", "archive.lan:8001")[0] == 200


def test_the_archive_path_is_not_given_away(small_archive):
    with Served(small_archive) as served:
        status, body = request(served.url + "/archive.json?sql=select+*+from+pragma_database_list&_shape=array")
        assert status == 200
        assert str(small_archive.parent).encode() not in body
        assert json.loads(body) == []  # the pragma answers nothing
        for path in ("/-/databases.json", "/-/databases"):
            status, body = request(served.url + path)
            assert status == 404 and str(small_archive.parent).encode() not in body
        assert request(served.url + "/archive")[0] == 200  # the database page still works


def test_csv_downloads_cannot_run_formulas(small_archive):
    with Served(small_archive) as served:
        status, body = request(served.url + "/archive/articles.csv?_col=title&_sort=id&_stream=on")
        query = request(served.url + "/archive.csv?sql=select+title+from+articles+order+by+id")
    assert status == 200 and query[0] == 200
    for data in (body, query[1]):
        titles = [row[-1] for row in csv.reader(io.StringIO(data.decode("utf-8"), newline=""))][1:]
        assert titles == ["'=HYPERLINK(\"https://evil.example\",\"click\")", "'+1+2", "'-cmd", "'@SUM(A1)",
                          "Plain title", "Multi\nline, =quoted"]


def test_the_csv_rewriter_keeps_records_across_chunks():
    data = 'id,title\r\n1,"=A1\r\nstill the cell"\r\n2,"say ""hi"""\r\n3,-2\r\n4,Zürich\r\n'.encode()
    for size in (1, 2, 3, 7, len(data)):
        rewriter = ExcelSafeCsv()
        out = b"".join(rewriter.feed(data[i:i + size]) for i in range(0, len(data), size))
        out += rewriter.feed(b"", final=True)
        assert out.decode() == 'id,title\r\n1,"\'=A1\r\nstill the cell"\r\n2,"say ""hi"""\r\n3,\'-2\r\n4,Zürich\r\n'


def test_an_article_number_of_5000_digits_is_not_found(small_archive):
    with Served(small_archive) as served:
        status, body = request(served.url + "/archive/article/" + "9" * 5000)
        assert status == 404 and b"No article 99999999999999999999" in body
        assert request(served.url + "/archive/article/99999999999999999")[0] == 404


# -- an archive a first crawl is still writing -----------------------------------------------

def test_live_serves_an_archive_whose_changes_are_all_still_in_the_wal(tmp_path):
    db = tmp_path / "archive.db"
    writer = Archive(db)  # open, as a first crawl holds it: schema and articles in archive.db-wal
    try:
        writer.store(Article(title="Fresh", body="Just crawled."), raw=b"<html></html>", url="https://x.example/1")
        assert Path(str(db) + "-wal").stat().st_size > 0
        server.check_archive(db, live=True)  # was: "not a scraper archive"
        with Served(db, "--live") as served:
            status, body = request(served.url + "/archive/articles.json?_shape=array&_col=title")
        assert status == 200 and [row["title"] for row in json.loads(body)] == ["Fresh"]
    finally:
        writer.close()
