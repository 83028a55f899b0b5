"""One error root: every error scraper raises on purpose is a ``scraper.Error`` that carries
its exit code, and the command line maps them in one place (``Error:`` line, that code)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from click.testing import CliRunner

import scraper
from scraper.cli import cli
from scraper.errors import ExitCode


def public_errors() -> list[type[BaseException]]:
    """Every public exception class defined in a scraper module (the web view's too)."""
    found = []
    for info in pkgutil.walk_packages(scraper.__path__, "scraper."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException) and not name.startswith("_")
                    and value.__module__ == module.__name__):
                found.append(value)
    return found


def test_every_public_error_is_a_scraper_error_with_an_exit_code():
    errors = public_errors()
    assert len(errors) >= 12  # archive, usage, page, worker, lock, fetch, feed, config, rules, query, cluster, serve…
    for error in errors:
        assert issubclass(error, scraper.Error), error
        assert error.exit_code in set(ExitCode), error


def test_library_users_catch_one_error_and_read_its_code(tmp_path):
    from scraper.crawl import build_options
    from scraper.fetching import Fetcher
    from scraper.rules import load_rules

    with pytest.raises(scraper.Error) as archive:
        scraper.Archive(tmp_path)  # a directory
    with pytest.raises(scraper.Error) as rules:
        load_rules(tmp_path / "missing.toml")
    with pytest.raises(scraper.Error) as options:
        build_options()
    with pytest.raises(scraper.Error) as page, Fetcher() as fetcher:
        fetcher.fetch("ftp://example.com/")
    assert [e.value.exit_code for e in (archive, rules, options, page)] == [3, 2, 2, 1]
    assert page.value.kind == "unsupported-scheme"
    # old spellings still catch: a config or rules problem is a ValueError, a dead worker a RuntimeError
    assert isinstance(options.value, ValueError) and isinstance(rules.value, ValueError)
    assert issubclass(scraper.errors.WorkerError, RuntimeError)


@pytest.mark.parametrize("args, code, line", [
    (["show", "1", "--db", "{tmp}"], 3, "Error: archive path is a directory: {tmp}"),
    (["search", "x", "--db", "{tmp}/none.db"], 3, "Error: no archive at {tmp}/none.db"),
    (["fetch", "ftp://example.com/", "--db", "{tmp}/a.db"], 2,
     "Error: unsupported scheme 'ftp': only http and https are fetched"),
    (["fetch", "http://127.0.0.1:9/", "--rules", "{tmp}/missing.toml", "--db", "{tmp}/a.db"], 2,
     "Error: no rules file at {tmp}/missing.toml"),
])
def test_the_command_line_prints_one_line_and_the_errors_code(tmp_path, args, code, line):
    result = CliRunner().invoke(cli, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == code, result.output
    assert result.stderr.splitlines()[-1] == line.format(tmp=tmp_path)
    assert "Traceback" not in result.output


def test_explaining_a_damaged_stored_page_is_one_line_with_its_kind(tmp_path):
    """show --explain re-extracts as reextract does, with the same failure kinds."""
    import sqlite3

    from scraper.extraction import extract

    db = tmp_path / "a.db"
    html = b"<html><body><article><p>" + b"A story told in a few words. " * 40 + b"</p></article></body></html>"
    with scraper.Archive(db) as archive:
        archive.store(extract(html, "https://x.example/a"), raw=html, url="https://x.example/a")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE pages SET content = ?", (b"not zlib data",))
    result = CliRunner().invoke(cli, ["show", "1", "--explain", "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: cannot explain 1: damaged: the stored page cannot be inflated")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output
