"""Stories: near-identical bodies on several sites grouped, as articles arrive by every route
(fetch from a real local server, a saved file, a WARC import, re-extraction), rebuilt in one
pass, collapsed in list/search/export, and back-filled when an archive is upgraded."""

from __future__ import annotations

import io
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from scraper import stories
from scraper.archive import Archive
from scraper.article import Article
from scraper.cli import EXIT_ARCHIVE, cli

FIXTURES = Path(__file__).parent / "fixtures"
WORDS = ["ministry", "harbour", "council", "border", "outpost", "talks", "funding", "engineers", "village", "election", "vote", "court", "river", "bridge", "factory", "workers", "union", "strike", "prices", "grain", "export", "ferry", "storm", "coast", "police", "mayor", "budget", "school", "teachers", "hospital", "nurses", "vaccine", "doctors", "train", "station", "tunnel", "airport", "runway", "minister", "protest", "square", "festival", "museum", "painting", "archive", "library", "drought", "rainfall", "crops"]


def story_text(seed: int, paragraphs: int = 6) -> list[str]:
    """Paragraphs of made-up news prose, different for every seed."""
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(3):
            words = rng.choices(WORDS, k=rng.randint(9, 15))
            sentences.append(" ".join(words).capitalize() + ".")
        out.append(" ".join(sentences))
    return out


def republished(paragraphs: list[str]) -> list[str]:
    """A wire copy as another site runs it: lead dropped, a dateline and a credit line added."""
    copy = paragraphs[1:]
    copy[0] = "LONDON (Reuters) - " + copy[0]
    return copy + ["This article was originally published by Reuters."]


def page(title: str, paragraphs: list[str], published: str, site: str = "Example News") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">'
            f'<meta property="article:published_time" content="{published}"></head>'
            f'<body><nav><a href="/">Home</a> <a href="/world">World</a></nav><article><h1>{title}</h1>{body}'
            f"</article><footer>© {site}</footer></body></html>").encode()


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def story_of(db: Path) -> dict[str, tuple[int | None, int | None]]:
    conn = sqlite3.connect(db)
    try:
        return {url: (story, first) for url, story, first in
                conn.execute("SELECT url, story, story_first FROM articles")}
    finally:
        conn.close()


def test_our_minhash_is_datasketchs_affine32_minhash_bit_for_bit():
    datasketch = pytest.importorskip("datasketch")  # installed by the test extra
    text = "\n\n".join(story_text(1))
    ours = stories.sketch(text)
    theirs = datasketch.MinHash(num_perm=stories.NUM_PERM, seed=stories.SEED, scheme="affine32",
                                hashfunc=lambda shingle: stories.shingle_hash(shingle.split()))
    theirs.update_batch(stories.shingles(text))
    assert ours is not None
    assert ours.values.tolist() == theirs.hashvalues.tolist()
    hashed = [stories.word_hash(w) for w in stories.words(text)]
    for signed in (stories._sketch_python(hashed), stories._sketch_numpy(hashed)):  # both ways of signing
        assert signed.values.tolist() == theirs.hashvalues.tolist() and signed.size == ours.size
    assert ours.size == len(stories.shingles(text))
    assert stories.shingle_hash(["a", "b"]) != stories.shingle_hash(["b", "a"])
    assert stories.word_hash("harbour") == zlib.crc32(b"harbour")


def test_the_written_out_permutations_are_the_ones_numpy_draws():
    a, b = stories._permutations()
    assert list(stories._PERM_A) == a.tolist() and list(stories._PERM_B) == b.tolist()


@given(st.lists(st.sampled_from([*WORDS, "Ölfeld", "東京", "町", "x1"]), min_size=stories.MIN_WORDS, max_size=400))
@settings(max_examples=60, deadline=None)
def test_pure_python_and_numpy_sign_a_body_alike(tokens):
    hashed = [stories.word_hash(w) for w in stories.words(" ".join(tokens))]
    by_hand, with_numpy = stories._sketch_python(hashed), stories._sketch_numpy(hashed)
    assert by_hand == with_numpy
    assert stories.Sketch.from_bytes(by_hand.to_bytes(), by_hand.size) == by_hand
    assert by_hand.keys() == with_numpy.keys()


def test_a_process_signs_its_first_bodies_without_numpy_and_then_imports_it():
    """A one-page fetch never imports numpy; a process that signs many bodies does, once."""
    code = ("import sys\nfrom scraper import stories\n"
            f"text = ' '.join({WORDS!r} * 4)\n"
            "first = [stories.sketch(text) for _ in range(stories.PURE_PYTHON_BODIES)]\n"
            "assert 'numpy' not in sys.modules\n"
            "later = stories.sketch(text)\n"
            "assert 'numpy' in sys.modules and later == first[0]\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_estimates_follow_the_exact_similarity():
    original = "\n\n".join(story_text(2, 10))
    copy = "\n\n".join(republished(story_text(2, 10)))
    other = "\n\n".join(story_text(3, 10))
    a, b, c = stories.sketch(original), stories.sketch(copy), stories.sketch(other)
    assert a and b and c
    sa, sb = stories.shingles(original), stories.shingles(copy)
    exact = len(sa & sb) / len(sa | sb)
    assert abs(a.jaccard(b) - exact) < 0.15
    assert a.containment(b) > 0.8
    assert stories.similar(a, b) and not stories.similar(a, c)
    assert stories.sketch("Too short to be a story.") is None


def test_fetched_copies_join_one_story_whose_first_is_the_earliest_published(httpserver, tmp_path):
    original = story_text(10)
    httpserver.expect_request("/wire/story").respond_with_data(
        page("Harbour talks stall", original, "2024-03-02T09:00:00+00:00"), content_type="text/html")
    httpserver.expect_request("/other/story").respond_with_data(
        page("Festival opens", story_text(11), "2024-03-01T08:00:00+00:00"), content_type="text/html")
    db = tmp_path / "archive.db"
    first = run("fetch", httpserver.url_for("/wire/story"), httpserver.url_for("/other/story"), "--db", str(db))
    assert first.exit_code == 0, first.output
    # the same story, run a day earlier by another site (saved page, fetched with its address)
    saved = tmp_path / "copy.html"
    saved.write_bytes(page("Talks on harbour stall, officials say", republished(original),
                           "2024-03-01T07:00:00+00:00", site="Other Paper"))
    second = run("fetch", str(saved), "--url", "https://other-paper.example/world/harbour", "--db", str(db))
    assert second.exit_code == 0, second.output

    rows = story_of(db)
    wire, other, copy = (rows[httpserver.url_for("/wire/story")], rows[httpserver.url_for("/other/story")],
                         rows["https://other-paper.example/world/harbour"])
    assert wire[0] is not None and wire[0] == copy[0]
    assert other == (None, None)
    assert copy[1] == 1 and wire[1] == 0  # published earlier: the first of the story

    listed = run("stories", "--db", str(db), "--format", "json")
    assert listed.exit_code == 0
    [entry] = json.loads(listed.stdout)
    assert entry["articles"] == 2 and entry["sites"] == 2
    assert [m["url"] for m in entry["members"]] == ["https://other-paper.example/world/harbour",
                                                   httpserver.url_for("/wire/story")]
    assert entry["title"] == "Talks on harbour stall, officials say"


def store(archive: Archive, url: str, paragraphs: list[str], published: str, when: str | None = None):
    text = "\n\n".join(paragraphs)
    article = Article(url=url, title=url.rsplit("/", 1)[-1], body=text, published=published,
                      body_html="".join(f"<p>{p}</p>" for p in paragraphs))
    return archive.store(article, raw=page(article.title or "", paragraphs, published), url=url, fetched_at=when)


def test_a_changed_text_leaves_its_story_and_a_new_first_is_chosen(db_path):
    text = story_text(20)
    with Archive(db_path) as archive:
        a = store(archive, "https://a.example/1", text, "2024-01-01", "2024-02-01T00:00:00+00:00").article_id
        b = store(archive, "https://b.example/1", republished(text), "2024-01-02").article_id
        c = store(archive, "https://c.example/1", republished(text)[:-1], "2024-01-03").article_id
        story = archive.get(a)["story"]
        assert story is not None and archive.get(b)["story"] == archive.get(c)["story"] == story
        assert archive.get(a)["story_first"] == 1
        # the first site rewrites its page completely: it leaves the story, b becomes first
        result = store(archive, "https://a.example/1", story_text(21), "2024-01-01", "2024-03-01T00:00:00+00:00")
        assert result.status == "updated"
        assert archive.get(a)["story"] is None and archive.get(a)["story_first"] is None
        assert archive.get(b)["story_first"] == 1 and archive.get(c)["story_first"] == 0
        assert list(archive.query("SELECT first_article_id, articles FROM stories")) == [
            {"first_article_id": b, "articles": 2}]
        # re-extraction that empties c's body (the same write path as reextract) dissolves it
        archive.update_extraction(c, Article(url="https://c.example/1", title="1", body="", published="2024-01-03"))
        assert archive.get(b)["story"] is None
        assert archive.count("stories") == 0


def test_two_stories_merge_when_an_article_bridges_them(db_path):
    text = story_text(30, 10)
    with Archive(db_path) as archive:
        first_half = store(archive, "https://a.example/x", text[:6], "2024-01-01").article_id
        second_half = store(archive, "https://b.example/x", text[4:], "2024-01-02").article_id
        assert archive.get(first_half)["story"] is None  # two paragraphs shared: not the same text
        whole = store(archive, "https://c.example/x", text, "2024-01-03").article_id
        story = archive.get(whole)["story"]
        assert story is not None
        assert archive.get(first_half)["story"] == archive.get(second_half)["story"] == story
        assert archive.count("stories") == 1


def write_warc(path: Path, captures: list[tuple[str, bytes]]) -> None:
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for i, (url, html) in enumerate(captures):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(html), length=len(html), http_headers=http,
                warc_headers_dict={"WARC-Date": f"2024-05-0{i + 1}T00:00:00Z"}))


def test_import_warc_groups_copies_and_rebuild_gives_the_same_stories(tmp_path):
    db, warc = tmp_path / "archive.db", tmp_path / "crawl.warc.gz"
    captures = []
    for k in range(3):
        text = story_text(40 + k)
        captures.append((f"https://one.example/{k}", page(f"Story {k}", text, f"2024-04-0{k + 1}")))
        captures.append((f"https://two.example/{k}", page(f"Copy {k}", republished(text), f"2024-04-1{k}")))
    captures.append(("https://three.example/alone", page("Alone", story_text(50), "2024-04-20")))
    write_warc(warc, captures)
    imported = run("import-warc", str(warc), "--db", str(db))
    assert imported.exit_code == 0, imported.output
    before = story_of(db)
    ids = [before[f"https://one.example/{k}"][0] for k in range(3)]
    assert None not in ids and len(set(ids)) == 3
    assert [before[f"https://two.example/{k}"][0] for k in range(3)] == ids
    assert before["https://three.example/alone"] == (None, None)
    assert all(before[f"https://one.example/{k}"][1] == 1 for k in range(3))  # published first

    rebuilt = run("stories", "--rebuild", "--db", str(db))
    assert rebuilt.exit_code == 0 and "3 stories of 6 articles (7 articles in all)" in rebuilt.stderr
    after = story_of(db)
    assert {url: first for url, (_s, first) in after.items()} == {url: first for url, (_s, first) in before.items()}
    pairs = lambda rows: {(a, b) for a in rows for b in rows if a < b and rows[a][0] is not None  # noqa: E731
                          and rows[a][0] == rows[b][0]}
    assert pairs(after) == pairs(before) and len(pairs(after)) == 3


def test_one_per_story_in_list_search_and_export(db_path):
    with Archive(db_path) as archive:
        text = story_text(60)
        store(archive, "https://a.example/s", text, "2024-01-02")
        store(archive, "https://b.example/s", republished(text), "2024-01-01")   # the first
        store(archive, "https://c.example/s", republished(text)[1:], "2024-01-03")
        store(archive, "https://d.example/other", story_text(61), "2024-01-04")
    listed = run("list", "--one-per-story", "--db", str(db_path))
    assert listed.exit_code == 0
    assert len(listed.stdout.splitlines()) == 2 and "b.example" in listed.stdout
    assert len(run("list", "--db", str(db_path)).stdout.splitlines()) == 4
    exported = run("export", "--format", "jsonl", "--fields", "url,story,story_first", "--one-per-story",
                   "--db", str(db_path))
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [r["url"] for r in rows] == ["https://b.example/s", "https://d.example/other"]
    assert rows[0]["story_first"] == 1 and rows[1]["story"] is None
    word = text[2].split()[0].lower()
    every = json.loads(run("search", word, "--format", "json", "--db", str(db_path)).stdout)
    one = json.loads(run("search", word, "--format", "json", "--one-per-story", "--db", str(db_path)).stdout)
    in_story = [h for h in every if h["story"] is not None]
    assert len(in_story) == 3
    assert [h["id"] for h in one if h["story"] is not None] == [in_story[0]["id"]]  # the best-ranked one


def test_upgrading_a_v1_archive_fills_in_the_stories(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(FIXTURES / "archive_v1.db", path)
    conn = sqlite3.connect(path)
    text = story_text(70)
    for i, paragraphs in enumerate((text, republished(text))):
        conn.execute("INSERT INTO articles (url, site, title, body, published, first_fetched, last_fetched, "
                     "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (f"https://old{i}.example/story", f"old{i}.example", f"Old {i}", "\n\n".join(paragraphs),
                      f"2020-01-0{2 - i}", "2020-02-01", "2020-02-01", "2020-02-01"))
    conn.commit()
    conn.close()
    assert run("list", "--db", str(path)).exit_code == EXIT_ARCHIVE  # read-only: upgrade first
    migrated = run("migrate", "--db", str(path))
    assert migrated.exit_code == 0, migrated.output
    rows = story_of(path)
    assert rows["https://old0.example/story"][0] == rows["https://old1.example/story"][0] is not None
    assert rows["https://old1.example/story"][1] == 1  # published on the 1st, the other on the 2nd
    assert sum(1 for story, _ in rows.values() if story is not None) == 2
    with Archive(path) as archive:
        assert archive.check_integrity() == []
        assert archive.count("story_sketches") >= 2
