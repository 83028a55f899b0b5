"""``scraper fetch`` and private addresses: redirects from a public address to a private
one are refused unless --allow-private; URLs the user gives on private addresses are
fetched, with a note on stderr (and the crawl's note is honest about --allow-private).

127.0.0.2 plays a public site (``scraper.fetching.is_private_host`` is patched to class
it as public; the Fetcher and the CLI look it up at call time) and 127.0.0.1 a private
one, as in test_crawl_safety.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import article_html, public_and_private_hosts, rss_feed

from scraper.cli import EXIT_FAILED, EXIT_OK, cli

REFUSED = "refused redirect from public 127.0.0.2 to private address {} (use --allow-private to permit)"


@pytest.fixture
def public_and_private(monkeypatch):
    with public_and_private_hosts(monkeypatch) as (site, public, private):
        private.add("/internal", article_html("Internal admin page", seed="internal"))
        private.add("/other", article_html("Other internal page", seed="other"))
        private.add("/hop", status=302, headers={"Location": "/other"}, conditional=False)
        public.add("/story", article_html("Public story", seed="public"))
        public.add("/go", status=302, headers={"Location": private.url("/internal")}, conditional=False)
        public.add("/metadata", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"},
                   conditional=False)
        yield site, public, private


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


# -- private addresses -------------------------------------------------------------------

def test_fetch_refuses_redirects_from_public_to_private_addresses(public_and_private, tmp_path):
    site, public, private = public_and_private
    db = tmp_path / "archive.db"
    result = CliRunner().invoke(cli, ["fetch", public.url("/go"), public.url("/metadata"), public.url("/story"),
                                      "--db", str(db)])
    assert result.exit_code == EXIT_FAILED
    assert result.stderr.splitlines() == [
        f"failed       -    {public.url('/go')}  private-address: {REFUSED.format('127.0.0.1')}",
        f"failed       -    {public.url('/metadata')}  private-address: {REFUSED.format('169.254.169.254')}",
        f"new          200  {public.url('/story')}  Public story (2024-05-01)",
        "3 URLs: 1 new, 2 failed",
    ]
    assert site.hits("private") == []  # never asked
    assert rows(db, "SELECT request_url, error FROM fetches WHERE error IS NOT NULL ORDER BY id") == [
        (public.url("/go"), f"private-address: {REFUSED.format('127.0.0.1')}"),
        (public.url("/metadata"), f"private-address: {REFUSED.format('169.254.169.254')}"),
    ]  # one try each: the refused hop is never requested
    assert rows(db, "SELECT url FROM articles") == [(public.url("/story"),)]


def test_allow_private_follows_the_redirect(public_and_private, tmp_path):
    site, public, private = public_and_private
    db = tmp_path / "archive.db"
    result = CliRunner().invoke(cli, ["fetch", public.url("/go"), "--allow-private", "--db", str(db)])
    assert result.exit_code == EXIT_OK, result.output
    assert result.stderr.splitlines() == [f"new          200  {public.url('/go')}  Internal admin page (2024-05-01)",
                                          "1 URL: 1 new, 0 failed"]
    assert [h.path for h in site.hits("private")] == ["/internal"]
    assert rows(db, "SELECT url, final_url FROM articles") == [(public.url("/go"), private.url("/internal"))]


def test_urls_given_on_private_addresses_are_fetched_and_said_so(public_and_private, tmp_path):
    site, public, private = public_and_private
    db = tmp_path / "archive.db"
    seeds = tmp_path / "urls.txt"
    seeds.write_text(private.url("/hop") + "\n")
    note = "note: {} is on a private address (127.0.0.1): fetching it because you gave it"
    still = "; redirects from public addresses to private ones are still refused"
    result = CliRunner().invoke(cli, ["fetch", private.url("/internal"), "--input", str(seeds), "--db", str(db)])
    assert result.exit_code == EXIT_OK, result.output
    assert result.stderr.splitlines() == [
        note.format(private.url("/internal")) + still,
        f"new          200  {private.url('/internal')}  Internal admin page (2024-05-01)",
        # from a file too, said once per host (not again for /hop); private to private is followed
        f"new          200  {private.url('/hop')}  Other internal page (2024-05-01)",
        "2 URLs: 2 new, 0 failed",
    ]
    assert sorted(h.path for h in site.hits("private")) == ["/hop", "/internal", "/other"]

    allowed = CliRunner().invoke(cli, ["fetch", private.url("/internal"), "--allow-private", "--db", str(db)])
    assert allowed.stderr.splitlines()[0] == note.format(private.url("/internal"))  # no rule to mention
    quiet = CliRunner().invoke(cli, ["fetch", private.url("/internal"), "--quiet", "--db", str(db)])
    assert (quiet.exit_code, quiet.stderr) == (EXIT_OK, "")
    public_only = CliRunner().invoke(cli, ["fetch", public.url("/story"), "--db", str(db)])
    assert "note:" not in public_only.stderr


def test_crawl_seed_note_does_not_claim_a_rule_that_allow_private_lifted(public_and_private, tmp_path):
    site, public, private = public_and_private
    private.add("/robots.txt", "", content_type="text/plain")
    private.add("/feed.xml", rss_feed([(private.url("/internal"), "")]), content_type="application/rss+xml")
    seed = private.url("/feed.xml")
    base = ["crawl", "--db", str(tmp_path / "a.db"), "--delay", "0", "--feed", seed]
    note = f"seed {seed} is on a private address (127.0.0.1): crawling it because you gave it"
    default = CliRunner().invoke(cli, base)
    assert f"{note}; links and redirects from public sites to private addresses are still refused" \
        in default.stderr.splitlines()
    allowed = CliRunner().invoke(cli, [*base, "--allow-private"])
    assert note in allowed.stderr.splitlines()
