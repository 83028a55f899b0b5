"""`scraper serve` in a real browser: Playwright driving Debian's chromium.

One server, one browser: search for a word, open the hit, check title, date and tags,
narrow by the tag facet, open the article with two versions and see the diff. The
archive file must come out byte-identical, with no -wal/-shm beside it. Screenshots go
to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

from browser_support import (
    ADDED_PARAGRAPH,
    CHROMIUM_ARGS,
    KLIMA_TITLE,
    MOSCOW_TITLE,
    Served,
    build_archive,
    require_browser,
)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def test_search_read_facet_and_diff_in_chromium(tmp_path):
    chromium = require_browser()
    from playwright.sync_api import expect, sync_playwright
    ARTIFACTS.mkdir(exist_ok=True)
    archive = build_archive(tmp_path / "archive.db")
    before = archive.sha256()

    with Served(archive.path) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.set_default_timeout(60_000)  # a bound for a stuck page, not a speed test
            page.goto(server.url + "/archive/articles")
            expect(page.locator(".scraper-card")).to_have_count(6)

            # Full-text search for a word that is only in one article's body.
            page.fill("#_search", "Rudenko")
            page.press("#_search", "Enter")
            page.wait_for_url("**_search=Rudenko**")
            cards = page.locator(".scraper-card")
            expect(cards).to_have_count(1)
            expect(cards.locator("h3")).to_have_text(MOSCOW_TITLE)
            page.screenshot(path=str(ARTIFACTS / "serve-search.png"), full_page=True)

            # Open it: the right title, date and tags.
            cards.locator("h3 a").click()
            page.wait_for_url("**/archive/article/*")
            expect(page.locator("h1.scraper-title")).to_have_text(MOSCOW_TITLE)
            published = page.locator("time.scraper-published")
            expect(published).to_have_attribute("datetime", "2021-07-22T13:05:00+03:00")
            expect(published).to_have_text("22 July 2021, 13:05 UTC+03:00")
            expect(page.locator(".scraper-tags .scraper-tag")).to_have_text(["Tajikistan", "Afghanistan"])
            expect(page.locator(".scraper-body")).to_contain_text("Deputy Foreign Minister Andrei Rudenko")

            # Back to the list, narrow it with the tag facet.
            page.goto(server.url + "/archive/articles")
            tag_facet = page.locator(".facet-info[data-column='tags']")
            expect(tag_facet).to_contain_text("Klima")
            tag_facet.get_by_role("link", name="Klima", exact=True).click()
            page.wait_for_url("**_tag=Klima**")
            cards = page.locator(".scraper-card")
            expect(cards).to_have_count(1)
            expect(cards.locator("h3")).to_have_text(KLIMA_TITLE)

            # The article with two versions: its history shows what changed.
            cards.locator("h3 a").click()
            page.wait_for_url("**/archive/article/*")
            expect(page.locator("h1.scraper-title")).to_have_text(KLIMA_TITLE)
            expect(page.locator(".scraper-byline")).to_contain_text("By Jana Becker")
            expect(page.locator("#versions h2")).to_contain_text("2 versions")
            diff = page.locator(".scraper-diff")
            expect(diff).to_have_count(1)
            expect(diff.locator("del")).to_have_text(["4000"])
            expect(diff.locator("ins")).to_have_text(["5000", ADDED_PARAGRAPH])
            page.screenshot(path=str(ARTIFACTS / "serve-article.png"), full_page=True)
        finally:
            browser.close()
        assert archive.side_files() == []
        assert server.stop() == 0

    assert archive.sha256() == before
    assert archive.side_files() == []
    for name in ("serve-search.png", "serve-article.png"):
        assert (ARTIFACTS / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_first_story_is_on_the_first_screen_of_a_busy_archive(tmp_path):
    """At 1280×900 the first article starts on the first screen, not below 30 tag facets."""
    chromium = require_browser()
    from playwright.sync_api import expect, sync_playwright
    from test_first_day import busy_archive

    db = busy_archive(tmp_path / "busy.db")
    with Served(db) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)  # a bound for a stuck page, not a speed test
            page.goto(server.url + "/busy/articles")
            first = page.locator(".scraper-card").first
            expect(first).to_be_visible()
            box = first.bounding_box()
            assert box is not None and box["y"] < 900, box
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "serve-busy.png"))
        finally:
            browser.close()
