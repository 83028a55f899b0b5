"""The command line: CliRunner for each command, and the installed script in a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper import __version__
from scraper.cli import EXIT_ARCHIVE, EXIT_FAILED, EXIT_USAGE, cli

PAGE = "/news/2021/07/22/border-outpost"


@pytest.fixture
def served(httpserver, fixture_bytes):
    httpserver.expect_request(PAGE).respond_with_data(fixture_bytes("news_article.html"),
                                                      content_type="text/html; charset=utf-8")
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    return httpserver


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_version_and_help_with_examples():
    assert run("--version").output.strip() == f"scraper, version {__version__}"
    for command in ("fetch", "show", "list", "export"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Example" in result.output, command


def test_fetch_show_list_export(served, db_path):
    url = served.url_for(PAGE)
    assert run("fetch", url, "--db", str(db_path)).exit_code == 0

    shown = run("show", url, "--db", str(db_path))
    assert shown.exit_code == 0
    assert shown.output.startswith("Russia in Talks to Help Tajikistan Build Afghan Border Outpost\n")
    assert "Tags: Tajikistan, Afghanistan" in shown.output

    as_json = json.loads(run("show", "1", "--format", "json", "--db", str(db_path)).output)
    assert as_json["tags"] == ["Tajikistan", "Afghanistan"] and as_json["published"].startswith("2021-07-22")

    markdown = run("show", "1", "--body-format", "markdown", "--db", str(db_path)).output
    assert "*The Taliban, al-Qaeda and Islamic State are terrorist organizations banned in Russia.*" in markdown

    listed = run("list", "--db", str(db_path)).output
    assert "2021-07-22" in listed and "Russia in Talks" in listed

    exported = run("export", "--format", "csv", "--db", str(db_path)).output
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 1 and rows[0]["tags"] == "Tajikistan; Afghanistan"
    assert rows[0]["body"].count("\n\n") == 8

    lines = run("export", "--format", "jsonl", "--fields", "url,title", "--db", str(db_path)).output.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"url": url, "title": "Russia in Talks to Help Tajikistan Build Afghan Border Outpost"}]


def test_fetch_reports_failures_with_exit_code(served, db_path):
    result = run("fetch", served.url_for(PAGE), served.url_for("/missing"), "--db", str(db_path))
    assert result.exit_code == EXIT_FAILED
    assert "failed" in result.stderr and "HTTP 404" in result.stderr
    assert "2 URLs: 1 new, 1 failed" in result.stderr


def test_fetch_from_input_file_and_stdin(served, db_path, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# my list\n{served.url_for(PAGE)}\n\n")
    assert run("fetch", "--input", str(listing), "--db", str(db_path)).exit_code == 0
    result = run("fetch", "--input", "-", "--db", str(db_path), input=served.url_for(PAGE) + "\n")
    assert result.exit_code == 0 and "unchanged" in result.stderr


def test_fetch_local_file_with_original_url(db_path):
    fixture = Path(__file__).parent / "fixtures" / "news_article.html"
    result = run("fetch", str(fixture), "--url", "https://www.themoscowtimes.com/2021/07/22/x", "--db",
                 str(db_path))
    assert result.exit_code == 0, result.output
    shown = json.loads(run("show", "https://www.themoscowtimes.com/2021/07/22/x", "--format", "json",
                           "--db", str(db_path)).output)
    assert shown["tags"] == ["Tajikistan", "Afghanistan"]


@pytest.mark.parametrize("args,code,message", [
    (["fetch", "not a url"], EXIT_USAGE, "not a URL"),
    (["fetch", "ftp://example.com/file"], EXIT_USAGE, "unsupported scheme 'ftp'"),
    (["fetch", "missing/page.html", "--url", "https://e.com/"], EXIT_USAGE, "no such file: missing/page.html"),
    (["fetch", "https://e.com/", "--db", "/nonexistent-dir/archive.db"], EXIT_ARCHIVE, "folder does not exist"),
    (["show", "1", "--db", "/nonexistent-dir/archive.db"], EXIT_ARCHIVE, "no archive at"),
    (["export", "--fields", "url,nope"], EXIT_USAGE, "unknown field 'nope'"),
])
def test_bad_input_gets_one_line_and_exit_code(args, code, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "archive.db").touch()
    result = run(*args)
    assert result.exit_code == code, result.output
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.output


def test_unreadable_archive_file(tmp_path):
    path = tmp_path / "garbage.db"
    path.write_bytes(b"\x00garbage" * 512)
    result = run("list", "--db", str(path))
    assert result.exit_code == EXIT_ARCHIVE
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_installed_script_in_a_subprocess(served, db_path):
    script = Path(sys.executable).with_name("scraper")
    assert script.exists(), "install the package first: pip install -e '.[test]'"
    env = {**os.environ, "SCRAPER_DB": str(db_path)}
    done = subprocess.run([str(script), "fetch", served.url_for(PAGE)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Russia in Talks" in done.stderr
    listed = subprocess.run([str(script), "list"], capture_output=True, text=True, env=env, timeout=60)
    assert "Russia in Talks" in listed.stdout
    bad = subprocess.run([str(script), "fetch", "gopher://x"], capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == EXIT_USAGE and "Traceback" not in bad.stderr
