"""Hostile markup: ``extract()`` finishes in bounded time and memory and keeps the text.

Each page is extracted in a forked child with a wall-clock limit and an address-space
limit (``extract_bounded``), so a pathological case fails with "did not finish within
N s" or "ran out of memory" instead of hanging or swapping the test run.
"""

from __future__ import annotations

import multiprocessing
import random
import resource
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scraper
from scraper.article import Article
from scraper.parsing import MAX_DEPTH, parse_html

MiB = 1 << 20
URL = "https://news.example/2024/05/story"
TEXTS = [
    "The council approved the new budget on Tuesday after a long debate about roads and schools.",
    "Opposition members said the harbour district had been left out of the plan once again.",
    "The mayor answered that repairs to the sea wall would start before the winter storms.",
    "Local shop owners welcomed the decision but asked for lower fees at the weekly market.",
    "A final vote on the transport levy is expected next month, after a public consultation.",
]
ARTICLE = "".join(f"<p>{text}</p>" for text in TEXTS)  # distinct: extractors drop repeats


def has_article(body: str) -> bool:
    """All five paragraphs are in the body, in order."""
    positions = [body.find(text) for text in TEXTS]
    return -1 not in positions and positions == sorted(positions)

def _child(conn, html, url, memory) -> None:
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    resource.setrlimit(resource.RLIMIT_AS, (pages * resource.getpagesize() + memory, resource.RLIM_INFINITY))
    try:
        conn.send(("ok", scraper.extract(html, url)))
    except MemoryError:
        conn.send(("memory", None))
    except BaseException:
        conn.send(("raised", traceback.format_exc()))


def extract_bounded(html: str | bytes, *, seconds: float = 20.0, memory: int = 512 * MiB,
                    url: str | None = URL) -> Article:
    """``scraper.extract(html, url)`` in a child process: at most ``seconds`` and ``memory``.

    The limits catch hangs and blow-ups (minutes, gigabytes), not speed: CI machines are
    shared, and a page that takes 1 s alone takes several beside other jobs.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, html, url, memory))
    started = time.monotonic()
    child.start()
    send.close()
    try:
        if not receive.poll(seconds):
            pytest.fail(f"extract() did not finish within {seconds:g}s")
        status, value = receive.recv()
    finally:
        child.kill()
        child.join()
    if status == "memory":
        pytest.fail(f"extract() ran out of memory (limit {memory // MiB} MiB over the parent's)")
    if status == "raised":
        pytest.fail(f"extract() raised:\n{value}")
    assert time.monotonic() - started < seconds
    return value


def page(body: str, title: str = "Budget approved") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


# -- nesting ---------------------------------------------------------------------------

def test_ten_thousand_nested_divs_keep_their_text():
    html = page("<div>" * 10_000 + ARTICLE + "</div>" * 10_000 + "<p>After the deep part.</p>")
    article = extract_bounded(html)
    assert article.title == "Budget approved"
    assert has_article(article.body)
    assert article.is_article


def test_ten_thousand_unclosed_wrappers_keep_their_text():
    article = extract_bounded(page("<div><span>" * 10_000 + ARTICLE))
    assert has_article(article.body)


def test_ten_thousand_unclosed_inline_tags_with_text():
    article = extract_bounded(page("<b>word " * 10_000 + ARTICLE))
    assert article.body.count("word") == 10_000
    assert has_article(article.body)


@pytest.mark.parametrize("opening,closing", [('{"a":', "}"), ("[", "]"), ('{"@graph":[', "]}")])
def test_json_ld_nested_past_the_recursion_limit_is_ignored(opening, closing):
    # 1,200 levels in a 4 KB page made json raise RecursionError out of extract()
    data = opening * 1_200 + "1" + closing * 1_200
    html = page(ARTICLE).replace("</head>", f'<script type="application/ld+json">{data}</script></head>')
    article = extract_bounded(html)
    assert article.title == "Budget approved" and has_article(article.body)


def test_deep_document_is_flattened_not_cut_short():
    # libxml2 alone stops at 256 levels and drops everything after, "After" included.
    html = page("<div>" * 1000 + "<p>Deep text.</p><img src=deep.png>" + "</div>" * 1000
                + "<p>After the deep part.</p>")
    doc = parse_html(html)
    depth = max(sum(1 for _ in el.iterancestors()) for el in doc.iter())
    assert depth <= MAX_DEPTH + 1
    assert doc.findtext(".//title") == "Budget approved"
    assert [p.text for p in doc.iter("p")] == ["Deep text.", "After the deep part."]
    assert [img.get("src") for img in doc.iter("img")] == ["deep.png"]


def test_nesting_just_under_the_parser_limit_is_left_alone():
    doc = parse_html(page("<div>" * 200 + "<p>Deep text.</p>" + "</div>" * 200))
    assert max(sum(1 for _ in el.iterancestors()) for el in doc.iter()) == 202  # html, body, 200 divs
    assert has_article(extract_bounded(page("<div>" * 200 + ARTICLE + "</div>" * 200)).body)


# -- truncated documents ---------------------------------------------------------------

@pytest.mark.parametrize("cut", [
    '<p>Half a sentence and then noth',
    '<a href="https://news.example/x',
    '<img src=x alt="unfinished',
    "<!-- a comment that never ends <p>hidden</p>",
    "<script>var x = '<p>';",
    "<p>Caf&eacute; &amp",
    "<table><tr><td>cell",
    "<",
])
def test_truncated_documents_keep_what_came_before_the_cut(cut):
    html = "<html><head><title>Budget approved</title></head><body><article>" + ARTICLE + cut
    article = extract_bounded(html)
    assert article.title == "Budget approved"
    assert has_article(article.body)


def test_document_cut_inside_the_head():
    article = extract_bounded("<html><head><title>Budget appro")
    assert article.body == "" and not article.is_article


# -- size and shape --------------------------------------------------------------------

def test_megabyte_long_single_line_of_prose():
    words = "harbour " * 125_000  # 1 MB, no newline
    article = extract_bounded(page(f"<p>{words}</p>"))
    assert len(article.body) == len(words.strip())
    assert "\n" not in article.body


def test_megabyte_single_line_word_without_spaces():
    article = extract_bounded(page("<p>" + "x" * MiB + "</p>" + ARTICLE))
    assert has_article(article.body)


def test_half_a_megabyte_of_inline_tags_on_one_line():
    # 500 KB, 35,000 elements: about 1.5 s on an idle 2-core machine, all of it in the
    # body finder and BeautifulSoup rendering (see the report on issue 7); the limit
    # is generous because shared CI machines are not idle.
    html = page(ARTICLE + "<span>w</span>" * 35_000)
    article = extract_bounded(html, seconds=40)
    assert article.title == "Budget approved"
    assert has_article(article.body)


def test_thousands_of_attributes_on_one_element():
    attrs = " ".join(f'data-a{i}="value {i}"' for i in range(5000))
    article = extract_bounded(page(f"<div {attrs}>{ARTICLE}</div>"))
    assert has_article(article.body)


def test_fifty_thousand_class_names_on_one_element():
    classes = " ".join(f"c{i}" for i in range(50_000))
    article = extract_bounded(page(f'<div class="{classes}" id="{"x" * 100_000}">{ARTICLE}</div>'))
    assert has_article(article.body)


def test_sixty_thousand_empty_elements():
    # 750 KB of empty wrappers (ad slots, tracking pixels' containers). When render.tidy()
    # decomposed each empty tag, BeautifulSoup found a tag's place among its siblings by a
    # linear scan: quadratic, about 14 s for 20,000 and so over 2 minutes for these 60,000,
    # where linear work takes 1-4 s on a busy machine. The limit sits between the two.
    article = extract_bounded(page("<article>" + ARTICLE + "<span></span>" * 60_000 + "</article>"),
                              seconds=40)
    assert has_article(article.body)


# -- bytes that are not quite text -----------------------------------------------------

def test_nul_bytes_are_dropped_not_fatal():
    html = page(ARTICLE.replace("budget", "bud\x00get").replace(" ", " \x00"), title="Bud\x00get approved")
    article = extract_bounded(html)
    assert article.title == "Budget approved"
    assert has_article(article.body)


def test_nul_bytes_in_raw_bytes():
    article = extract_bounded(page(ARTICLE).encode().replace(b"<p>", b"<p>\x00\x00"))
    assert has_article(article.body)


@pytest.mark.parametrize("empty", ["", b"", "   \n\t", b"\xef\xbb\xbf", b"\x00" * 100])
def test_empty_input_gives_an_empty_article(empty):
    article = extract_bounded(empty)
    assert (article.title, article.body, article.is_article) == (None, "", False)


@pytest.mark.parametrize("seed", [1, 2])
def test_garbage_bytes_give_an_article(seed):
    data = random.Random(seed).randbytes(200_000)
    article = extract_bounded(data)
    assert isinstance(article.body, str) and article.url == URL


def test_control_characters_and_lone_surrogates_in_text():
    html = page(ARTICLE + "<p>\x01\x02\x1b[31m red \ud800 \ufffe end</p>")
    article = extract_bounded(html)
    assert has_article(article.body)


# -- property: extract() never raises ----------------------------------------------------

_TAGS = ["html", "head", "body", "title", "div", "p", "span", "a", "b", "article", "main",
         "section", "table", "tr", "td", "ul", "li", "script", "style", "meta", "img", "br",
         "h1", "nav", "footer", "time", "svg", "math", "template", "noscript", "iframe", "x-y"]
_ATTRS = ["class", "id", "href", "src", "content", "name", "property", "datetime", "itemprop",
          "charset", "style", "onclick", "rel", "lang"]

_attribute = st.builds(
    lambda name, value, quote: f" {name}={quote}{value}{quote}",
    st.sampled_from(_ATTRS), st.text(max_size=20), st.sampled_from(['"', "'", ""]))
_piece = st.one_of(
    st.builds(lambda t, attrs: f"<{t}{''.join(attrs)}>", st.sampled_from(_TAGS),
              st.lists(_attribute, max_size=3)),
    st.builds(lambda t: f"</{t}>", st.sampled_from(_TAGS)),
    st.text(max_size=40),
    st.sampled_from(["&amp;", "&#0;", "&#x110000;", "&nbsp", "<!--", "-->", "<![CDATA[", "]]>",
                     "<?xml version='1.0'?>", "<!DOCTYPE html>", "<", ">", "\x00", "\ud800",
                     '<meta charset="utf-7">', '<script type="application/ld+json">{"@type":',
                     '{"@type": "NewsArticle", "headline": 5, "datePublished": []}</script>']),
)
_htmlish = st.lists(_piece, max_size=60).map("".join)


@settings(max_examples=100, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(html=_htmlish)
def test_extract_never_raises_on_htmlish_text(html):
    article = scraper.extract(html, URL)
    assert isinstance(article, Article) and isinstance(article.body, str)


@settings(max_examples=75, deadline=2000)
@given(data=st.binary(max_size=3000), declared=st.sampled_from([None, "utf-8", "latin-1", "utf-7",
                                                                  "shift_jis", "bogus"]))
def test_extract_never_raises_on_bytes(data, declared):
    headers = {"Content-Type": f"text/html; charset={declared}"} if declared else None
    article = scraper.extract(data, URL, headers=headers)
    assert isinstance(article, Article)
