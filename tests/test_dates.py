"""Publication-date extraction: signal order, page furniture, languages, edge cases."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import lxml.html
import pytest

from scraper.dates import PageDates, find_dates, parse_date_string
from scraper.parsing import parse_html
from scraper.structured import json_ld, meta_tags

FIXTURES = Path(__file__).parent / "fixtures" / "dates"
NOW = datetime(2021, 7, 24, 12, 0, tzinfo=timezone.utc)
ARTICLE_URL = "https://news.example.org/region/story-48213"


def load(name: str) -> lxml.html.HtmlElement:
    return parse_html((FIXTURES / name).read_bytes())


def dates_of(name: str, url: str | None = ARTICLE_URL, **kwargs) -> PageDates:
    return find_dates(load(name), url, now=kwargs.pop("now", NOW), **kwargs)


def page(head: str = "", body: str = "", lang: str = "en") -> lxml.html.HtmlElement:
    """A small article page around the given head and body markup."""
    html = f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
    <title>Harbour works finish early - Coast News</title>
    <meta property="og:title" content="Harbour works finish early">{head}</head>
    <body><nav><a href="/">Coast News</a></nav>
    <div class="story"><h1>Harbour works finish early</h1>{body}
    <p>The works on the outer harbour wall ended three weeks ahead of plan, the port authority said on
    its website, and the ferry will use the new berth from next month onwards.</p></div>
    <footer>&copy; 2021 Coast News</footer></body></html>"""
    return parse_html(html)


# ---------------------------------------------------------------------------
# Realistic pages with several dates: the right one wins
# ---------------------------------------------------------------------------


def test_english_byline_with_updated_stamp_related_comments_and_copyright():
    found = dates_of("en_byline_updated.html")
    # Related stories (Feb 11, Oct 2), comments (Mar 4, Mar 6), the "today" banner
    # (Mar 12), the sidebar (Mar 10) and the copyright year are all ignored.
    assert found.published == "2021-03-03"
    assert found.published_source == "text near title"
    assert found.modified == "2021-03-05T16:10:00"


def test_german_published_and_aktualisiert():
    found = dates_of("de_artikel.html")
    assert found.published == "2021-07-22T14:05:00"
    assert found.modified == "2021-07-23T09:12:00"
    assert found.published_source == "text near title"


def test_french_date_above_title_with_mis_a_jour_and_teasers():
    found = dates_of("fr_article.html")
    # The teasers' "1 mars 2021" follows the headline; the real stamp is above it.
    assert found.published == "2021-03-03T18:30:00"
    assert found.modified == "2021-03-04T08:15:00"


def test_russian_date_under_title_beats_header_date_and_sidebar():
    found = dates_of("ru_novosti.html")
    assert found.published == "2021-04-12T10:15:00"
    assert found.modified == "2021-04-13T18:20:00"


def test_japanese_kanji_date_and_trailing_update_label():
    found = dates_of("ja_news.html")
    assert found.published == "2021-07-22T14:05:00"
    assert found.modified == "2021-07-23T09:30:00"


def test_korean_input_and_edit_stamps_with_afternoon_clock():
    found = dates_of("ko_news.html")
    assert found.published == "2021-06-28T14:05:00"  # 오후 2:05
    assert found.modified == "2021-06-29T09:10:00"


def test_spanish_json_ld_graph_prefers_the_article_object():
    found = dates_of("es_graph.html", "https://www.diariodelsur.es/economia/plan-vivienda-jovenes/")
    # Not the WebPage (May 12), not the related ItemList entry (Apr 2), not the visible
    # "today" banner (May 13).
    assert found.published == "2021-05-11T22:30:00+02:00"
    assert found.published_source == "json-ld datePublished"
    assert found.modified == "2021-05-12T11:40:00+02:00"
    assert found.modified_source == "json-ld dateModified"


def test_italian_meta_variants_earliest_publication_tag_wins():
    found = dates_of("it_meta_variants.html")
    # The generic <meta name="date"> (Oct 5) is not a publication tag.
    assert found.published == "2020-10-03T08:12:00+00:00"
    assert found.published_source == "meta parsely-pub-date"
    assert found.modified == "2020-10-04T18:00:00+02:00"
    assert found.modified_source == "meta article:modified_time"


def test_objects_and_meta_passed_in_give_the_same_answer():
    doc = load("es_graph.html")
    url = "https://www.diariodelsur.es/economia/plan-vivienda-jovenes/"
    given = find_dates(doc, url, objects=json_ld(doc), meta=meta_tags(doc), now=NOW)
    assert given == find_dates(doc, url, now=NOW)


def test_the_tree_is_not_modified():
    for name in sorted(p.name for p in FIXTURES.glob("*.html")):
        doc = load(name)
        before = lxml.html.tostring(doc)
        find_dates(doc, ARTICLE_URL, now=NOW)
        assert lxml.html.tostring(doc) == before, name


# ---------------------------------------------------------------------------
# Pages without a publication date
# ---------------------------------------------------------------------------


def test_home_page_yields_nothing():
    found = dates_of("home_page.html", "https://www.harbourfm.example/")
    assert found == PageDates(None, None, None, None)


def test_home_page_without_url_still_yields_nothing():
    # The <h1> is the site logo; teaser cards are other stories.
    assert dates_of("home_page.html", None).published is None


def test_search_results_page_yields_nothing():
    found = dates_of("landing_page.html", "https://valleygazette.example/search?q=flood+defences")
    assert found.published is None
    assert found.published_source is None


def test_section_front_with_teasers_yields_nothing():
    # The <h1> "Política" matches the page title, but every date under it belongs to a
    # teaser with its own linked headline.
    found = dates_of("section_page.html", "https://www.jornaldovale.example/politica/")
    assert found.published is None


def test_title_repeated_as_a_self_link_is_not_a_teaser():
    body = ('<h2><a href="/region/story-48213">Harbour works finish early</a></h2>'
            '<div class="byline">22.07.2021 14:05</div>')
    assert find_dates(page(body=body), ARTICLE_URL, now=NOW).published == "2021-07-22T14:05:00"


def test_title_in_a_styled_element_with_a_camel_case_class():
    """No heading tags: the title sits in <dl class="newsTitle">, its stamp right after."""
    html = """<html lang="ko"><head><meta charset="utf-8"><title>항구 공사 조기 완료 - 해안신문</title></head>
    <body><div class="side">최신 기사 2018-08-20 09:00</div><div class="newsContent">
    <dl class="newsTitle"><dt>항구 공사 조기 완료</dt></dl>기사입력 :[ 2018-08-25 15:24 ]
    <div class="newsArticle">외항 방파제 공사가 계획보다 3주 앞서 끝났다고 항만청이 밝혔다.</div>
    </div></body></html>"""
    found = find_dates(parse_html(html), ARTICLE_URL, now=NOW)
    assert found.published == "2018-08-25T15:24:00"
    assert found.published_source == "text near title"


def test_copyright_year_alone_is_not_a_date():
    doc = page(body='<div class="meta">By Staff</div>')
    assert find_dates(doc, ARTICLE_URL, now=NOW).published is None


# ---------------------------------------------------------------------------
# Relative dates, resolved against `now`
# ---------------------------------------------------------------------------


def test_polish_relative_stamp():
    found = dates_of("pl_relative.html")
    assert found.published == "2021-07-24"  # 3 godziny temu, at noon
    assert found.published_source == "relative text near title"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 hours ago", "2021-07-24"),
        ("15 hours ago", "2021-07-23"),
        ("vor 2 Tagen", "2021-07-22"),
        ("il y a 3 jours", "2021-07-21"),
        ("hace 2 días", "2021-07-22"),
        ("2 часа назад", "2021-07-24"),
        ("5 дней назад", "2021-07-19"),
        ("há 1 semana", "2021-07-17"),
        ("12 jam lalu", "2021-07-24"),
        ("2 gün önce", "2021-07-22"),
        ("prije 28 minuta", "2021-07-24"),
        ("59分前", "2021-07-24"),
        ("3일 전", "2021-07-21"),
        ("Yesterday at 5:30 PM", "2021-07-23"),
        ("вчера в 18:20", "2021-07-23"),
        ("Dnes 9:44", "2021-07-24"),
        ("for 2 dager siden", "2021-07-22"),
        ("för 3 dagar sedan", "2021-07-21"),
        ("acum 2 zile", "2021-07-22"),
        ("2 napja", "2021-07-22"),
    ],
)
def test_relative_stamps_in_many_languages(text: str, expected: str):
    doc = page(body=f'<div class="byline">Staff reporter · <span class="time">{text}</span></div>')
    found = find_dates(doc, ARTICLE_URL, now=NOW)
    assert found.published == expected
    assert found.published_source == "relative text near title"


def test_absolute_date_beats_relative_one():
    doc = page(body='<div class="byline"><span>20.07.2021</span> · <span>4 days ago</span></div>')
    assert find_dates(doc, ARTICLE_URL, now=NOW).published == "2021-07-20"


@pytest.mark.parametrize("text", ["Reading time: for 5 minutes", "Mario, che ha 30 anni", "2 days"])
def test_durations_are_not_relative_stamps(text: str):
    doc = page(body=f'<div class="byline">{text}</div>')
    assert find_dates(doc, ARTICLE_URL, now=NOW).published is None


def test_today_as_a_section_name_is_not_a_date():
    doc = page(body='<h2>On air today</h2><p class="schedule">Tune in</p>')
    assert find_dates(doc, ARTICLE_URL, now=NOW).published is None


# ---------------------------------------------------------------------------
# Plausibility bounds
# ---------------------------------------------------------------------------


def test_future_meta_date_is_rejected_for_the_next_signal():
    doc = page(head='<meta property="article:published_time" content="2021-09-30T10:00:00Z">',
               body='<p class="date">21 July 2021</p>')
    found = find_dates(doc, ARTICLE_URL, now=NOW)
    assert found.published == "2021-07-21"
    assert found.published_source == "text near title"


def test_tomorrow_is_allowed_for_time_zones_ahead():
    doc = page(head='<meta property="article:published_time" content="2021-07-25T06:00:00+10:00">')
    assert find_dates(doc, ARTICLE_URL, now=NOW).published == "2021-07-25T06:00:00+10:00"


def test_dates_before_the_floor_are_rejected():
    doc = page(head='<meta name="pubdate" content="1970-01-01">',
               body='<p class="date">Posted 12/31/1969</p>')
    assert find_dates(doc, ARTICLE_URL, now=NOW).published is None


def test_custom_floor():
    doc = page(head='<meta property="article:published_time" content="2003-05-04">')
    assert find_dates(doc, ARTICLE_URL, now=NOW).published == "2003-05-04"
    assert find_dates(doc, ARTICLE_URL, now=NOW, floor=date(2010, 1, 1)).published is None


def test_now_defaults_to_the_current_time():
    doc = page(head='<meta property="article:published_time" content="2019-02-03T10:00:00Z">')
    assert find_dates(doc, ARTICLE_URL).published == "2019-02-03T10:00:00+00:00"


def test_naive_now_is_taken_as_utc():
    doc = page(body='<div class="byline">2 hours ago</div>')
    found = find_dates(doc, ARTICLE_URL, now=datetime(2021, 7, 24, 1, 0))
    assert found.published == "2021-07-23"


# ---------------------------------------------------------------------------
# Day/month order
# ---------------------------------------------------------------------------


def test_us_page_reads_month_first():
    found = dates_of("en_us_ambiguous.html")
    assert found.published == "2021-03-04T19:45:00"


def test_british_page_reads_day_first():
    html = (FIXTURES / "en_us_ambiguous.html").read_text(encoding="utf-8")
    doc = parse_html(html.replace('lang="en-US"', 'lang="en-GB"'))
    assert find_dates(doc, ARTICLE_URL, now=NOW).published == "2021-04-03T19:45:00"


def test_unambiguous_numbers_ignore_the_page_language():
    doc = page(body='<p class="date">25/03/2021</p>', lang="en-US")
    assert find_dates(doc, ARTICLE_URL, now=NOW).published == "2021-03-25"


def test_ambiguous_reading_that_would_be_in_the_future_falls_back():
    # 07/12/2021 as July 12 is fine; as December 7 it is after `now`.
    doc = page(body='<p class="date">07/12/2021</p>', lang="de")
    assert find_dates(doc, ARTICLE_URL, now=NOW).published == "2021-07-12"


def test_visible_date_gives_the_local_day_of_a_utc_stamp():
    doc = page(head='<meta property="article:published_time" content="2021-04-04T01:30:00Z">',
               body='<p class="date">04/03/2021</p>', lang="en-US")
    # A UTC stamp one hour after midnight; the page prints April 3 (month first on an
    # American page), the day its readers saw.
    found = find_dates(doc, "https://news.example.org/story-1", now=NOW)
    assert found.published == "2021-04-03"
    assert "local day" in found.published_source


# ---------------------------------------------------------------------------
# URL dates and their agreement with other signals
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/2021/07/22/harbour-works/", "2021-07-22"),
        ("https://example.com/news/2021/7/2/harbour-works", "2021-07-02"),
        ("https://example.com/news/20210722/harbour-works.html", "2021-07-22"),
        ("https://example.com/news/harbour-works-2021-07-22", "2021-07-22"),
        ("https://example.com/story/2021-7-22-10-5-0-harbour-works", "2021-07-22"),
        ("https://example.com/world/202107221081234567-harbour-works/", "2021-07-22"),
        ("https://example.com/opinion/harbour-20210722-abcdef-story.html", "2021-07-22"),
    ],
)
def test_url_path_dates(url: str, expected: str):
    found = find_dates(page(), url, now=NOW)
    assert found.published == expected
    assert found.published_source == "url path"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/news/120210722120908039/harbour",  # an id that contains digits
        "https://example.com/products/2021/",  # a year alone
        "https://example.com/2021/07/harbour-works/",  # year and month only
        "https://example.com/2021/13/45/harbour-works/",  # not a day
    ],
)
def test_url_without_a_full_day(url: str):
    assert find_dates(page(), url, now=NOW).published is None


def test_url_date_adds_the_visible_time_of_the_same_day():
    doc = page(body='<div class="byline">22 July 2021, 09:40</div>')
    found = find_dates(doc, "https://example.com/2021/07/22/harbour-works/", now=NOW)
    assert found.published == "2021-07-22T09:40:00"
    assert found.published_source == "url path"


def test_year_month_url_filters_visible_dates():
    doc = page(body='<div class="byline">Posted 03.06.2021</div>')
    # The URL says July 2021: June 3 printed near the title is somebody else's date.
    found = find_dates(doc, "https://blog.example.com/2021/07/harbour-works.html", now=NOW)
    assert found.published is None


def test_utc_stamp_after_midnight_takes_the_url_day():
    doc = page(head='<meta property="article:published_time" content="2021-07-23T02:10:00Z">')
    found = find_dates(doc, "https://example.com/2021/07/22/harbour-works/", now=NOW)
    assert found.published == "2021-07-22"
    assert found.published_source.startswith("url path")


def test_structured_date_weeks_away_from_the_url_date_yields_to_it():
    # A republished story (or a template default) keeps its dated URL.
    doc = page(head='<meta property="article:published_time" content="2021-06-30T09:00:00+02:00">')
    found = find_dates(doc, "https://example.com/2019/11/18/harbour-works/", now=NOW)
    assert found.published == "2019-11-18"
    assert found.published_source.startswith("url path")


def test_structured_date_a_day_after_the_url_date_is_kept():
    doc = page(head='<meta property="article:published_time" content="2021-07-23T09:00:00+02:00">')
    found = find_dates(doc, "https://example.com/2021/07/22/harbour-works/", now=NOW)
    assert found.published == "2021-07-23T09:00:00+02:00"


def test_stamp_with_an_offset_keeps_its_own_day():
    doc = page(head='<meta property="article:published_time" content="2021-07-23T00:30:00+03:00">')
    found = find_dates(doc, "https://example.com/2021/07/22/harbour-works/", now=NOW)
    assert found.published == "2021-07-23T00:30:00+03:00"


def test_same_instant_in_utc_and_local_offset_gives_the_local_day():
    doc = page(head='<meta property="article:published_time" content="2021-07-22T23:30:00+00:00">'
               '<script type="application/ld+json">{"@type": "NewsArticle",'
               '"datePublished": "2021-07-23T01:30:00+02:00"}</script>')
    assert find_dates(doc, ARTICLE_URL, now=NOW).published == "2021-07-23T01:30:00+02:00"


def test_earliest_structured_publication_date_wins():
    doc = page(head='<meta property="article:published_time" content="2021-07-20T08:00:00+02:00">'
               '<script type="application/ld+json">{"@type": "NewsArticle",'
               '"datePublished": "2021-07-21T08:00:00+02:00"}</script>')
    found = find_dates(doc, ARTICLE_URL, now=NOW)
    assert found.published == "2021-07-20T08:00:00+02:00"
    assert found.published_source == "meta article:published_time"


# ---------------------------------------------------------------------------
# Structured data variants
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ('<meta property="article:published_time" content="2021-07-22T14:05:00+03:00">',
         "2021-07-22T14:05:00+03:00"),
        ('<meta property="og:article:published_time" content="2021-07-22T14:05:00+0300">',
         "2021-07-22T14:05:00+03:00"),
        ('<meta name="DC.date.issued" content="2021-07-22">', "2021-07-22"),
        ('<meta name="dcterms.created" content="2021-07-22">', "2021-07-22"),
        ('<meta name="parsely-pub-date" content="2021-07-22T11:05:00Z">', "2021-07-22T11:05:00+00:00"),
        ('<meta name="sailthru.date" content="2021-07-22 14:05:00">', "2021-07-22T14:05:00"),
        ('<meta itemprop="datePublished" content="2021-07-22">', "2021-07-22"),
        ('<meta name="pubdate" content="20210722T140500Z">', "2021-07-22T14:05:00+00:00"),
        ('<meta name="publish-date" content="Thu, 22 Jul 2021 14:05:00 +0200">',
         "2021-07-22T14:05:00+02:00"),
        ('<meta name="date" content="2021-07-22">', "2021-07-22"),
        ('<meta name="citation_publication_date" content="2021/07/22">', "2021-07-22"),
    ],
)
def test_meta_publication_tags(tag: str, expected: str):
    found = find_dates(page(head=tag), ARTICLE_URL, now=NOW)
    assert found.published == expected
    assert found.published_source.startswith("meta ")


def test_json_ld_article_beats_meta_and_related_objects():
    ld = """<script type="application/ld+json">[
      {"@type": "Organization", "name": "Coast News", "foundingDate": "1998-01-01"},
      {"@type": "NewsArticle", "url": "https://news.example.org/region/story-48213",
       "datePublished": "2021-07-22T08:00:00+01:00", "dateModified": "2021-07-22T10:00:00+01:00"},
      {"@type": "NewsArticle", "url": "https://news.example.org/region/other-story",
       "datePublished": "2021-06-01T08:00:00+01:00"}
    ]</script>"""
    found = find_dates(page(head=ld), ARTICLE_URL, now=NOW)
    assert found.published == "2021-07-22T08:00:00+01:00"
    assert found.modified == "2021-07-22T10:00:00+01:00"


def test_json_ld_article_beats_the_webpage_that_names_the_url():
    ld = """<script type="application/ld+json">{"@graph": [
      {"@type": "WebPage", "@id": "https://news.example.org/region/story-48213",
       "datePublished": "2021-07-23T06:00:00+01:00"},
      {"@type": "NewsArticle", "headline": "Harbour works finish early",
       "datePublished": "2021-07-22T18:00:00+01:00"}]}</script>"""
    assert find_dates(page(head=ld), ARTICLE_URL, now=NOW).published == "2021-07-22T18:00:00+01:00"


def test_json_ld_without_type():
    ld = ('<script type="application/ld+json">{"@context": "https://schema.org", '
          '"headline": "Harbour works finish early", "datePublished": "2021-07-21"}</script>')
    assert find_dates(page(head=ld), ARTICLE_URL, now=NOW).published == "2021-07-21"


def test_json_ld_date_created_when_no_date_published():
    ld = '<script type="application/ld+json">{"@type": "BlogPosting", "dateCreated": "2021-07-02"}</script>'
    found = find_dates(page(head=ld), ARTICLE_URL, now=NOW)
    assert found.published == "2021-07-02"
    assert found.published_source == "json-ld dateCreated"


def test_broken_json_ld_still_gives_its_date():
    # One closing brace too many: not JSON, but the publisher's date is plain to read.
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", '
          '"datePublished": "2021-07-19T18:10:00+01:00"}}</script>')
    found = find_dates(page(head=ld), ARTICLE_URL, now=NOW)
    assert found.published == "2021-07-19T18:10:00+01:00"


def test_microdata_in_the_body():
    body = ('<div class="info"><div class="time" itemprop="datePublished" '
            'content="2021-07-18T08:22:33+04:00">08:22, 18.07.2021</div></div>')
    found = find_dates(page(body=body), ARTICLE_URL, now=NOW)
    assert found.published.startswith("2021-07-18")


def test_time_element_in_the_header():
    body = '<div class="meta"><time datetime="2021-07-16T07:00:00-04:00">Friday</time></div>'
    found = find_dates(page(body=body), ARTICLE_URL, now=NOW)
    assert found.published == "2021-07-16T07:00:00-04:00"
    assert found.published_source == "time[datetime] near title"


def test_modified_is_never_before_published():
    head = ('<meta property="article:published_time" content="2021-07-20">'
            '<meta property="article:modified_time" content="2021-07-19">')
    found = find_dates(page(head=head), ARTICLE_URL, now=NOW)
    assert found.published == "2021-07-20"
    assert found.modified is None


def test_updated_stamp_alone_stands_in_for_publication():
    body = '<div class="byline">Updated: Jul 19, 2021, 10.45 AM IST</div>'
    found = find_dates(page(body=body), ARTICLE_URL, now=NOW)
    assert found.published == "2021-07-19T10:45:00"
    assert found.modified == "2021-07-19T10:45:00"
    assert "updated stamp" in found.published_source


def test_embedded_tweet_date_is_not_the_article_date():
    body = ('<div class="byline">By Staff</div><p>The club posted this:</p>'
            '<blockquote class="twitter-tweet"><p>Big day!</p>— Club (@club) July 2, 2021</blockquote>')
    assert find_dates(page(body=body), ARTICLE_URL, now=NOW).published is None


def test_day_and_month_without_year_takes_the_latest_past_year():
    body = '<p class="date">2月15日（土）7時0分</p>'
    found = find_dates(page(body=body, lang="ja"), ARTICLE_URL, now=NOW)
    assert found.published == "2021-02-15"
    body = '<p class="date">15 décembre</p>'
    found = find_dates(page(body=body, lang="fr"), ARTICLE_URL, now=NOW)
    assert found.published == "2020-12-15"


# ---------------------------------------------------------------------------
# The string reader
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-07-22", "2021-07-22"),
        ("2021-07-22T14:05:00+03:00", "2021-07-22T14:05:00+03:00"),
        ("2021-07-22T14:05:00.123Z", "2021-07-22T14:05:00+00:00"),
        ("2021-07-22T14:05+0530", "2021-07-22T14:05:00+05:30"),
        ("20210722T140500Z", "2021-07-22T14:05:00+00:00"),
        ("2021-7-2", "2021-07-02"),
        ("2021/07/22 14:05", "2021-07-22T14:05:00"),
        ("2021-07-22 14:05:00.000000 CEST", "2021-07-22T14:05:00+02:00"),
        ("2021-07-22T14:05:00+02:00CET", "2021-07-22T14:05:00+02:00"),
        ("2021-07-22 T 07:20:50 +0330", "2021-07-22T07:20:50+03:30"),
        ("Thu, 22 Jul 2021 14:05:00 GMT", "2021-07-22T14:05:00+00:00"),
        ("Thu Jul 22 2021 14:05:00 GMT+0000 (Coordinated Universal Time)", "2021-07-22T14:05:00+00:00"),
        ("Thu Jul 22 14:05:00 UTC 2021", "2021-07-22T14:05:00+00:00"),
        ("02:05:06 PM IST Jul 22, 2021", "2021-07-22T14:05:06"),
        ("1626962700", "2021-07-22T14:05:00+00:00"),
        ("22 July 2021", "2021-07-22"),
        ("July 22nd, 2021", "2021-07-22"),
        ("Sept. 8, 2020 at 9:22 a.m. ET", "2020-09-08T09:22:00"),
        ("22. Juli 2021, 14:05 Uhr", "2021-07-22T14:05:00"),
        ("22 juillet 2021 à 14h05", "2021-07-22T14:05:00"),
        ("22 de julio de 2021", "2021-07-22"),
        ("22 luglio 2021", "2021-07-22"),
        ("22 de julho de 2021, 14h05", "2021-07-22T14:05:00"),
        ("22 juli 2021", "2021-07-22"),
        ("22 июля 2021 г.", "2021-07-22"),
        ("22 липня 2021", "2021-07-22"),
        ("22 lipca 2021", "2021-07-22"),
        ("22. července 2021", "2021-07-22"),
        ("22 Temmuz 2021", "2021-07-22"),
        ("22. heinäkuuta 2021", "2021-07-22"),
        ("22 iulie 2021", "2021-07-22"),
        ("2021. július 22.", "2021-07-22"),
        ("22 Juli 2021", "2021-07-22"),
        ("22 Ιουλίου 2021", "2021-07-22"),
        ("22 يوليو 2021", "2021-07-22"),
        ("24 نيسان / أبريل 2020 09:22 مساءً", "2020-04-24T21:22:00"),
        ("2021年7月22日 14時05分", "2021-07-22T14:05:00"),
        ("2021년 7월 22일", "2021-07-22"),
        ("2021. 7. 22.", "2021-07-22"),
        ("22.07.2021", "2021-07-22"),
        ("22/07/2021", "2021-07-22"),
        ("۱۴۰۰/۰۴/۳۱", "2021-07-22"),
        ("1400/04/31 - 14:05", "2021-07-22T14:05:00"),
        ("not a date", None),
        ("2021-02-30", None),
        ("", None),
    ],
)
def test_parse_date_string(value: str, expected: str | None):
    assert parse_date_string(value) == expected


def test_parse_date_string_month_first():
    assert parse_date_string("03/04/2021") == "2021-04-03"
    assert parse_date_string("03/04/2021", month_first=True) == "2021-03-04"


def test_generic_meta_date_loses_to_the_byline():
    # <meta name="date"> says nothing about what it dates; the byline does.
    doc = page(head='<meta name="date" content="2015-06-01">',
               body='<div class="byline">By Staff · 21 July 2021</div>')
    found = find_dates(doc, ARTICLE_URL, now=NOW)
    assert found.published == "2021-07-21"
    assert found.published_source == "text near title"


def test_site_header_date_above_the_headline_is_ignored():
    html = """<html lang="en-GB"><head><title>Pier reopens after storm repairs | Bay Times</title></head>
    <body><header class="top"><a href="/">Bay Times</a><span class="date">Saturday 24 July 2021</span></header>
    <main><h1>Pier reopens after storm repairs</h1><div class="byline">By Ann Lee</div>
    <p>The pier reopened to visitors on Friday after eight months of repairs costing more than two
    million pounds, the council said, with the arcade due to follow before the summer holidays.</p>
    </main></body></html>"""
    assert find_dates(parse_html(html), ARTICLE_URL, now=NOW).published is None


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<amp-timeago datetime="2021-07-19T08:00:00Z" layout="fixed">Monday</amp-timeago>',
         "2021-07-19T08:00:00+00:00"),
        ('<span class="stamp" data-timestamp="1626681600">Monday</span>', "2021-07-19T08:00:00+00:00"),
        ('<abbr class="published" title="2021-07-19T10:00:00+02:00">Monday</abbr>',
         "2021-07-19T10:00:00+02:00"),
    ],
)
def test_date_attributes_near_the_title(markup: str, expected: str):
    found = find_dates(page(body=f'<div class="meta">{markup}</div>'), ARTICLE_URL, now=NOW)
    assert found.published == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Thứ Năm, 22 tháng 7, 2021 14:05", "vi", "2021-07-22T14:05:00"),
        ("פורסם ב-22 ביולי 2021", "he", "2021-07-22"),
        ("22 जुलाई 2021", "hi", "2021-07-22"),
        ("২২ জুলাই ২০২১", "bn", "2021-07-22"),
        ("22 հուլիսի 2021", "hy", "2021-07-22"),
        ("22 шілде 2021", "kk", "2021-07-22"),
        ("Hulyo 22, 2021", "tl", "2021-07-22"),
        ("22 iulie 2021, 14:05", "ro", "2021-07-22T14:05:00"),
        ("2021. július 22. 14:05", "hu", "2021-07-22T14:05:00"),
        ("22.7.2021 klo 14.05", "fi", "2021-07-22T14:05:00"),
        ("22 Temmuz 2021 Perşembe", "tr", "2021-07-22"),
        ("Kamis, 22 Juli 2021 14:05 WIB", "id", "2021-07-22T14:05:00"),
        ("22 lipca 2021, 14:05", "pl", "2021-07-22T14:05:00"),
        ("22. července 2021 14:05", "cs", "2021-07-22T14:05:00"),
        ("22 juli 2021 kl. 14:05", "sv", "2021-07-22T14:05:00"),
        ("22. juli 2021 kl. 14.05", "da", "2021-07-22T14:05:00"),
        ("22 листопада 2021", "uk", "2021-11-22"),
        ("22. listopada 2021.", "hr", "2021-10-22"),
        ("22 listopada 2021", "pl", "2021-11-22"),
        ("22 de julho de 2021 às 14h05", "pt", "2021-07-22T14:05:00"),
        ("22 luglio 2021 alle 14:05", "it", "2021-07-22T14:05:00"),
        ("22 juli 2021 om 14:05", "nl", "2021-07-22T14:05:00"),
    ],
)
def test_visible_dates_in_many_languages(text: str, lang: str, expected: str):
    doc = page(body=f'<div class="byline"><span class="date">{text}</span></div>', lang=lang)
    found = find_dates(doc, ARTICLE_URL, now=datetime(2021, 12, 1, tzinfo=timezone.utc))
    assert found.published == expected


def test_meta_key_repeated_for_a_list_of_teasers_is_ignored():
    teasers = "".join(
        f'<div itemscope itemtype="https://schema.org/NewsArticle"><meta itemprop="datePublished" '
        f'content="2021-07-{day:02d}"><a href="/s{day}">Story {day}</a></div>' for day in (3, 9, 14, 18))
    doc = page(body=f'<div class="byline">By Staff · 21 July 2021</div><section>{teasers}</section>')
    assert find_dates(doc, ARTICLE_URL, now=NOW).published == "2021-07-21"


def test_day_without_year_takes_the_year_the_page_writes_for_that_day():
    # "[06月24日 11時30分]" under the headline; the page's other version is linked with its
    # full date. The latest 24 June before now (2021) would be two years off.
    body = ('<p class="article-date">[06月24日 11時30分]</p>'
            '<a href="https://www.example.jp/news/html/20190624/k100.html">普通のニュース</a>')
    found = find_dates(page(body=body, lang="ja"), ARTICLE_URL, now=NOW)
    assert found.published == "2019-06-24"
    alone = find_dates(page(body='<p class="article-date">[06月24日 11時30分]</p>', lang="ja"),
                       ARTICLE_URL, now=NOW)
    assert alone.published == "2021-06-24"


def test_last_change_label_in_german_makes_an_updated_stamp():
    body = ('<div class="info"><label>Letzte Änderung:</label><div class="value">14.01.2021 um 09:25</div>'
            '</div>')
    found = find_dates(page(body=body, lang="de"), ARTICLE_URL, now=NOW)
    assert found.published == "2021-01-14T09:25:00"
    assert "updated" in (found.published_source or "")


def test_verb_after_the_date_labels_it_as_the_publication():
    # German puts the verb last: "wurde am <date> um <time> Uhr gepostet". The line sits in the
    # post's footer, which is page furniture: only a labelled date is trusted there.
    html = """<html lang="de"><head><title>Literatur und Typografie</title></head><body>
    <div id="content"><h1>Literatur und Typografie</h1>
    <p>Bewegte Schrift erzählt Geschichten anders als gedruckte Seiten, und wer Gedichte in
    Bewegung setzt, muss über Rhythmus, Tempo und Pausen nachdenken wie ein Musiker.</p>
    <footer class="postmetadata">Dieser Eintrag wurde am <nobr>19. Mai 2021</nobr> um
    <nobr>23:03</nobr> Uhr gepostet und unter Allgemein abgelegt.</footer>
    <footer class="postmetadata">Dieser Eintrag stammt vom <nobr>19. Mai 2021</nobr>.</footer>
    </div></body></html>"""
    found = find_dates(parse_html(html), "https://blog.example.de/literatur-und-typografie/", now=NOW)
    assert found.published == "2021-05-19"
    assert found.published_source == "labelled on the page"
    unlabelled = html.replace("um\n    <nobr>23:03</nobr> Uhr gepostet und unter Allgemein abgelegt", "")
    assert "gepostet" not in unlabelled
    assert find_dates(parse_html(unlabelled), "https://blog.example.de/literatur-und-typografie/",
                      now=NOW).published is None


def test_generic_meta_date_loses_to_a_labelled_line_below_the_story():
    story = "".join(
        f"<p>Paragraph {n} of the story about the water supply, long enough to be story text and not "
        f"a byline, with the numbers the council gave and what residents should do now.</p>" for n in range(5))
    body = f"{story}<p>Erstellt am: 01.07.2021</p>"
    doc = page(head='<meta name="date" content="2021-01-07">', body=body, lang="de")
    found = find_dates(doc, ARTICLE_URL, now=NOW)
    assert found.published == "2021-07-01"
    assert found.published_source == "labelled on the page"
    plain = page(head='<meta name="date" content="2021-01-07">', body=story, lang="de")
    assert find_dates(plain, ARTICLE_URL, now=NOW).published == "2021-01-07"


# ---------------------------------------------------------------------------
# Robustness: pages and strings from the wild never make it raise
# ---------------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.text(max_size=80))
def test_parse_date_string_never_raises(value: str):
    result = parse_date_string(value)
    assert result is None or result[:4].isdigit()


@hypothesis.settings(max_examples=150, deadline=None)
@hypothesis.given(
    st.lists(st.sampled_from([
        "<h1>", "</h1>", "<p>", "</p>", "<article>", "<header>", '<time datetime="', '">', "</time>",
        "<title>", "</title>", "Harbour", " ", "2021", "-07-", "22", "12", ".", "/", ":", "年", "月",
        "日", "July", "ago", "3 hours", "Updated", "<blockquote>", "<a href=\"/\">", "</a>",
    ]), max_size=60).map("".join),
    st.one_of(st.none(), st.text(max_size=40), st.just("http://[bad")),
)
def test_find_dates_never_raises(html: str, url: str | None):
    found = find_dates(parse_html(html), url, now=NOW)
    assert isinstance(found, PageDates)
