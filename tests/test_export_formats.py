"""Exports read back by pandas and json equal the archive's rows, field by field."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from scraper.archive import Archive
from scraper.article import Article
from scraper.cli import EXIT_USAGE, cli
from scraper.export import ALL_FIELDS, LIST_SEPARATOR, excel_safe
from scraper.fetching import Response

TRICKY = [
    Article(title='Commas, "quotes" and more', authors=["Doe, Jane", "O'Brien"], published="2021-07-22T13:05:00+03:00",
            tags=["Tajikistan", "Afghanistan"], body='One, two, "three".\n\nSecond paragraph;\nwith a line break.',
            body_html="<p>One, two, <q>three</q>.</p>", language="en", description="=SUM(A1:A2)"),
    Article(title="Привет, мир", authors=["Анна Петрова"], published="2023-12-31", tags=["Мир", "日本"],
            body="Первый абзац.\n\n日本語の段落です。\n\nمرحبا بالعالم 👋", language="ru"),
    Article(title="+1 for the undated", body="-5 degrees\n@handle\n", tags=[], description=None),
    Article(title="Tabs\tand trailing spaces  ", body="  leading spaces\tand tabs  ", published="2022-02-02",
            tags=["a; b"]),
]
URLS = ["https://example.com/a", "https://example.org/ru", "https://example.net/undated", "https://www.example.com/t"]


@pytest.fixture
def archive(db_path):
    with Archive(db_path) as archive:
        for i, (url, article) in enumerate(zip(URLS, TRICKY)):
            response = Response(url=url, final_url=url, status=200, headers={}, content=f"<p>{i}</p>".encode(),
                                fetched_at=f"2024-01-0{i + 1}T00:00:00+00:00")
            archive.store(article, response)
    return db_path


def as_csv_cell(value):
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return "" if value is None else str(value)


def archive_rows(path, fields):
    with Archive(path, readonly=True) as archive:
        rows = {r["id"]: r for r in archive.query("SELECT * FROM articles")}
    return rows


def test_csv_read_by_pandas_equals_the_archive_field_by_field(archive, tmp_path):
    out = tmp_path / "all.csv"
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "--fields", ",".join(ALL_FIELDS), "-o", str(out),
                                      "--db", str(archive)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"exported 4 articles to {out}\n"
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8")
    assert list(frame.columns) == list(ALL_FIELDS)
    assert len(frame) == 4
    stored = archive_rows(archive, ALL_FIELDS)
    for record in frame.to_dict("records"):
        row = stored[int(record["id"])]
        for name in ALL_FIELDS:
            assert record[name] == as_csv_cell(row[name]), (record["id"], name)
    # publication order, undated last
    assert list(frame["id"]) == ["1", "4", "2", "3"]
    assert frame.loc[0, "body"] == 'One, two, "three".\n\nSecond paragraph;\nwith a line break.'
    assert frame.loc[2, "body"] == "Первый абзац.\n\n日本語の段落です。\n\nمرحبا بالعالم 👋"
    assert frame.loc[0, "authors"] == "Doe, Jane; O'Brien"
    raw = out.read_bytes()
    assert raw.startswith(b"id,url,") and b"\r\n" in raw and not raw.startswith(b"\xef\xbb\xbf")


def test_csv_is_rfc4180_for_the_stdlib_reader_too(archive):
    text = CliRunner().invoke(cli, ["export", "--db", str(archive)]).stdout
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["title"] for r in rows] == ['Commas, "quotes" and more', "Tabs\tand trailing spaces  ",
                                         "Привет, мир", "+1 for the undated"]
    assert rows[3]["published"] == "" and rows[1]["tags"] == "a; b"


def test_json_and_jsonl_keep_types_and_lists(archive):
    runner = CliRunner()
    fields = "id,title,authors,tags,published,word_count,is_article,body"
    as_json = json.loads(runner.invoke(cli, ["export", "--format", "json", "--fields", fields,
                                             "--db", str(archive)]).stdout)
    lines = runner.invoke(cli, ["export", "--format", "jsonl", "--fields", fields, "--db", str(archive)]).stdout
    as_jsonl = [json.loads(line) for line in lines.splitlines()]
    assert as_json == as_jsonl
    stored = archive_rows(archive, fields)
    for item in as_json:
        row = stored[item["id"]]
        assert item == {name: row[name] for name in fields.split(",")}
    assert as_json[0]["authors"] == ["Doe, Jane", "O'Brien"] and as_json[0]["word_count"] == 9
    assert list(as_json[0]) == fields.split(",")


def test_excel_safe_escapes_formulas_and_adds_a_bom(archive, tmp_path):
    out = tmp_path / "excel.csv"
    CliRunner().invoke(cli, ["export", "--excel-safe", "--fields", "id,title,description,body", "-o", str(out),
                             "--db", str(archive)])
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,title,")
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    by_id = {r["id"]: r for r in frame.to_dict("records")}
    assert by_id["1"]["description"] == "'=SUM(A1:A2)"
    assert by_id["3"]["title"] == "'+1 for the undated"
    assert by_id["3"]["body"] == "'-5 degrees\n@handle\n"
    assert by_id["2"]["title"] == "Привет, мир"
    assert [excel_safe(v) for v in ("@x", "-1", "=1", "+1", "\tx", "ok", "")] == [
        "'@x", "'-1", "'=1", "'+1", "'\tx", "ok", ""]


@pytest.mark.parametrize("args,expected", [
    (["--since", "2022"], [4, 2]),
    (["--until", "2021-07-22"], [1]),
    (["--until", "2021-07-21"], []),
    (["--tag", "мир"], [2]),
    (["--tag", "afghanistan", "--tag", "A; B"], [1, 4]),
    (["--site", "example.com"], [1, 4]),
    (["--query", "paragraph"], [1]),
    (["--query", "абзац OR degrees"], [2, 3]),
    (["--query", "paragraph", "--site", "example.org"], []),
])
def test_filters(archive, args, expected):
    result = CliRunner().invoke(cli, ["export", "--format", "jsonl", "--fields", "id", *args, "--db", str(archive)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == expected


def test_versions_in_json(archive):
    with Archive(archive) as a:
        a.update_extraction(1, Article(title="Corrected", body="New body.", published="2021-07-22T13:05:00+03:00"))
    data = json.loads(CliRunner().invoke(cli, ["export", "--format", "json", "--fields", "id,title", "--versions",
                                               "--since", "2021-07", "--until", "2021-07", "--db",
                                               str(archive)]).stdout)
    assert len(data) == 1 and data[0]["title"] == "Corrected"
    [past] = data[0]["versions"]
    assert (past["title"], past["reason"], past["authors"]) == ('Commas, "quotes" and more', "reextract",
                                                                ["Doe, Jane", "O'Brien"])


def test_markdown_body_and_usage_errors(archive):
    runner = CliRunner()
    md = runner.invoke(cli, ["export", "--format", "jsonl", "--fields", "id,body", "--body-format", "markdown",
                             "--until", "2021", "--db", str(archive)]).stdout
    assert json.loads(md)["body"] == "One, two, three.\n"  # rendered from body_html
    bad = runner.invoke(cli, ["export", "--versions", "--body-format", "markdown", "--db", str(archive)])
    assert bad.exit_code == EXIT_USAGE and "--versions rows hold the text" in bad.stderr
    bad = runner.invoke(cli, ["export", "--versions", "--fields", "id,title", "--db", str(archive)])
    assert bad.exit_code == EXIT_USAGE and "unknown field 'id'" in bad.stderr
