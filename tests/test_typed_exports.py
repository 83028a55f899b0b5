"""Typed exports and the history as data: Parquet read back by pandas and pyarrow,
``export --versions`` one row per (article, version) in CSV and Parquet, and ``scraper history``,
on real archives with an article archived in three versions."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from scraper.archive import Archive
from scraper.cli import EXIT_USAGE, cli
from scraper.export import write_parquet
from scraper.extraction import extract

URL = "https://news.example/2024/harbour-talks"
FIRST = ["The harbour council met on Monday to discuss the new ferry terminal and its funding.",
         "Engineers said the work would take two years and cost about forty million euros.",
         "The mayor did not attend the meeting, which ran late into the evening."]
SECOND = [FIRST[0], FIRST[1].replace("two years", "three years"), FIRST[2],
          "Officials confirmed the figure on Tuesday."]
THIRD = [SECOND[0], SECOND[1], "Officials confirmed the figure on Tuesday."]


def page(title: str, paragraphs: list[str], published: str, tags: str = "Harbour, Ferries") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:title" content="{title}">'
            f'<meta property="article:published_time" content="{published}"></head>'
            f'<body><article><h1>{title}</h1>{body}<p>Read more about: {tags}</p></article></body></html>').encode()


VERSIONS = [
    ("Harbour council discusses ferry terminal", FIRST, "2024-05-01T09:00:00+02:00", "2024-05-01T08:00:00+00:00"),
    ("Harbour council discusses ferry terminal", SECOND, "2024-05-01T09:00:00+02:00", "2024-05-02T08:00:00+00:00"),
    ("Ferry terminal will take three years", THIRD, "2024-05-01T09:00:00+02:00", "2024-05-03T08:00:00+00:00"),
]


@pytest.fixture
def archive(tmp_path) -> Path:
    path = tmp_path / "archive.db"
    with Archive(path) as archive:
        for title, paragraphs, published, when in VERSIONS:
            raw = page(title, paragraphs, published)
            archive.store(extract(raw, URL), raw=raw, url=URL, fetched_at=when)
        archive.store(extract(page("A day-only date", FIRST[:1] * 3, "2024-04-30", tags="Misc"),
                              "https://other.example/a"),
                      raw=b"<p>x</p>", url="https://other.example/a", fetched_at="2024-05-04T00:00:00+00:00")
        archive.store(extract(page("No date at all", FIRST[1:2] * 2, ""), "https://other.example/b"),
                      raw=b"<p>y</p>", url="https://other.example/b", fetched_at="2024-05-04T00:00:00+00:00")
        assert len(archive.versions(archive.get(URL)["id"])) == 2
    return path


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_parquet_keeps_lists_timestamps_and_nulls_equal_to_the_archive(archive, tmp_path):
    out = tmp_path / "articles.parquet"
    result = run("export", "--format", "parquet", "-o", str(out), "--db", str(archive))
    assert result.exit_code == 0, result.output
    assert "exported 3 articles" in result.stderr
    frame = pd.read_parquet(out)
    assert str(frame["published"].dtype) == "datetime64[us, UTC]"
    assert str(frame["last_fetched"].dtype) == "datetime64[us, UTC]"
    assert list(frame[frame["url"] == URL]["tags"].iloc[0]) == ["Harbour", "Ferries"]
    with Archive(archive, readonly=True) as db:
        rows = {r["url"]: r for r in db.query("SELECT * FROM articles")}
    assert set(frame["url"]) == set(rows)
    for record in frame.to_dict("records"):
        row = rows[record["url"]]
        assert list(record["tags"]) == row["tags"] and list(record["authors"]) == row["authors"]
        assert record["title"] == row["title"] and record["body"] == row["body"] and record["id"] == row["id"]
        assert record["word_count"] == row["word_count"]
        if row["published"] is None:
            assert pd.isna(record["published"])
        else:
            expected = pd.Timestamp(row["published"])  # a plain day is 00:00 UTC that day
            expected = expected.tz_localize("UTC") if expected.tzinfo is None else expected.tz_convert("UTC")
            assert record["published"] == expected
        assert record["first_fetched"] == pd.Timestamp(row["first_fetched"])
    # a time with an offset is converted, not relabelled
    harbour = frame[frame["url"] == URL].iloc[0]
    assert harbour["published"] == pd.Timestamp("2024-05-01T07:00:00Z")


def test_parquet_takes_the_same_filters_and_fields_as_csv(archive, tmp_path):
    out = tmp_path / "filtered.parquet"
    options = ["--since", "2024-05", "--tag", "harbour", "--fields", "id,url,published,tags,story_first"]
    assert run("export", "--format", "parquet", "-o", str(out), *options, "--db", str(archive)).exit_code == 0
    as_csv = list(csv.DictReader(io.StringIO(run("export", *options, "--db", str(archive)).stdout)))
    table = pq.read_table(out)
    assert table.column_names == ["id", "url", "published", "tags", "story_first"]
    assert table.schema.field("tags").type == pa.list_(pa.string())
    assert table.column("url").to_pylist() == [r["url"] for r in as_csv] == [URL]


def test_parquet_is_written_in_row_groups(tmp_path):
    rows = ({"id": i, "url": f"https://x.example/{i}", "tags": [str(i)], "published": "2024-01-01"}
            for i in range(10))
    out = tmp_path / "groups.parquet"
    assert write_parquet(rows, out, fields=("id", "url", "tags", "published"), row_group=3) == 10
    meta = pq.ParquetFile(out).metadata
    assert meta.num_row_groups == 4 and meta.num_rows == 10


def test_parquet_needs_a_file_and_usage_errors_are_one_line(archive):
    result = run("export", "--format", "parquet", "--db", str(archive))
    assert result.exit_code == EXIT_USAGE and result.stderr.startswith("Error: --format parquet writes a binary")
    assert len(result.stderr.splitlines()) == 1
    bad = run("export", "--format", "parquet", "-o", "x.parquet", "--excel-safe", "--db", str(archive))
    assert bad.exit_code == EXIT_USAGE and "--excel-safe is for CSV" in bad.stderr


def version_rows_checked(rows: list[dict]) -> None:
    """The three versions of URL, oldest first, with their fetch times and sizes of change."""
    mine = [r for r in rows if r["url"] == URL]
    assert [int(r["version"]) for r in mine] == [1, 2, 3]
    assert [str(r["current"]) in ("True", "true", "1") for r in mine] == [False, False, True]
    assert [str(r["seen_from"])[:10] for r in mine] == ["2024-05-01", "2024-05-02", "2024-05-03"]
    assert [r["reason"] for r in mine[:2]] == ["file", "file"]
    # version 2: "two" → "three" and one sentence (6 words) added; version 3: the mayor's
    # sentence (11 words) and the added one removed, the added one back as a paragraph
    assert (int(mine[1]["words_added"]), int(mine[1]["words_removed"])) == (7, 1)
    assert int(mine[2]["words_removed"]) >= 11
    assert mine[2]["title"] == "Ferry terminal will take three years"


def test_export_versions_as_csv_rows(archive):
    result = run("export", "--versions", "--db", str(archive))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    version_rows_checked(rows)
    mine = [r for r in rows if r["url"] == URL]
    assert mine[0]["words_added"] == "" and mine[0]["changed"] == ""
    assert mine[1]["changed"] == "body" and mine[2]["changed"] == "body; title"
    assert len(rows) == 5  # three versions, and one row for each of the other two articles


def test_export_versions_as_parquet_rows_and_nested_json(archive, tmp_path):
    out = tmp_path / "versions.parquet"
    assert run("export", "--versions", "--format", "parquet", "-o", str(out), "--db", str(archive)).exit_code == 0
    frame = pd.read_parquet(out)
    assert str(frame["seen_from"].dtype) == "datetime64[us, UTC]"
    version_rows_checked(frame.to_dict("records"))
    assert list(frame[frame["url"] == URL]["changed"].iloc[2]) == ["body", "title"]
    nested = json.loads(run("export", "--versions", "--format", "json", "--db", str(archive)).stdout)
    [article] = [a for a in nested if a["url"] == URL]
    assert [v["seen_from"][:10] for v in article["versions"]] == ["2024-05-01", "2024-05-02"]


def test_history_prints_versions_and_a_word_diff(archive):
    result = run("history", URL, "--db", str(archive))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert f"{URL} (id 1): 3 versions" in text
    assert text.index("Version 1,") < text.index("Version 2,") < text.index("Version 3 (current)")
    assert "[-two-]{+three+}" in text
    assert "{+Officials confirmed the figure on Tuesday.+}" in text
    assert "[-The mayor did not attend the meeting, which ran late into the evening.-]" in text
    assert "title: Harbour council discusses ferry terminal → Ferry terminal will take three years" in text
    data = json.loads(run("history", "1", "--format", "json", "--db", str(archive)).stdout)
    assert [v["version"] for v in data] == [1, 2, 3] and data[1]["words_added"] == 7
    missing = run("history", "https://nowhere.example/x", "--db", str(archive))
    assert missing.exit_code == EXIT_USAGE and missing.stderr == "Error: not in the archive: https://nowhere.example/x\n"


def test_installed_command_exports_parquet_that_pyarrow_reads(archive, tmp_path):
    script = Path(sys.executable).with_name("scraper")
    out = tmp_path / "cli.parquet"
    done = subprocess.run([str(script), "export", "--format", "parquet", "-o", str(out), "--db", str(archive)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert pq.read_table(out).num_rows == 3
