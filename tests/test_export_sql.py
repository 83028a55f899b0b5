"""Exports written by SQLite (scraper.export's fast path) are byte for byte what the Python
writer (csv.writer, json.dumps) makes of the same rows: random text, odd stored values, every
format, the spreadsheet-safe option, one field or many, a file or a text stream."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.archive import Archive
from scraper.article import Article
from scraper.export import ALL_FIELDS, DEFAULT_FIELDS, SQL_FORMATS, export_articles, write_export
from scraper.search import Filters, select_articles

# Text as pages give it, and as it breaks CSV and JSON: quotes, separators, CR/LF, controls,
# formula starts, non-ASCII, astral characters. (SQLite text holds no NUL.)
NASTY = st.text(alphabet=st.sampled_from(list('ab ,;"\'\r\n\t=+-@\\/\x01\x1f\x7f\x85\u2028é日👋')) | st.characters(
    blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
MAYBE = st.none() | NASTY


def python_export(path: Path, fmt: str, fields: tuple[str, ...], excel: bool, filters: Filters | None = None) -> str:
    """Today's writer: rows decoded to dicts, then csv.writer or json.dumps."""
    out = io.StringIO()
    with Archive(path, readonly=True) as archive:
        rows = select_articles(archive, filters, columns=list(dict.fromkeys([*fields, "id"])))
        write_export(rows, out, fmt=fmt, fields=fields, excel=excel)
    return out.getvalue()


def sql_export(path: Path, fmt: str, fields: tuple[str, ...], excel: bool, filters: Filters | None = None) -> str:
    out = io.StringIO()
    with Archive(path, readonly=True) as archive:
        export_articles(archive, out, fmt=fmt, fields=fields, excel=excel, filters=filters)
    return out.getvalue()


def store(path: Path, articles: list[Article]) -> None:
    with Archive(path) as archive:
        for i, article in enumerate(articles):
            archive.store(article, url=f"https://example.com/{i}", raw=b"<p>x</p>")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.tuples(MAYBE, NASTY, st.lists(NASTY, max_size=4), st.lists(NASTY, max_size=3), MAYBE,
                               st.none() | st.sampled_from(["2021-07-22", "2021-07-22T13:05:00+03:00", "2020"])),
                     min_size=1, max_size=6),
       fmt=st.sampled_from(SQL_FORMATS), excel=st.booleans(),
       fields=st.sampled_from([DEFAULT_FIELDS, ALL_FIELDS, ("body",), ("title",), ("tags",), ("id",),
                               ("body", "title", "body"), ("tags", "body", "authors")]))
def test_sql_export_is_byte_identical_to_the_python_writer(tmp_path_factory, data, fmt, excel, fields):
    path = tmp_path_factory.mktemp("export") / "archive.db"
    store(path, [Article(title=title, body=body, tags=tags, authors=authors, description=description,
                         published=published, body_html="<p>x</p>")
                 for title, body, tags, authors, description, published in data])
    if fmt != "csv" and excel:
        excel = False  # --excel-safe is a CSV option
    assert sql_export(path, fmt, fields, excel) == python_export(path, fmt, fields, excel)


def test_values_sql_cannot_write_exactly_go_the_python_way(db_path):
    """A real number, a blob, a list column holding a number, an object or broken JSON: what
    Python writes for them is what the export writes."""
    store(db_path, [Article(title=f"t{i}", body=f"b{i}", tags=["x"], published=f"2021-01-0{i + 1}")
                    for i in range(9)])
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE articles SET word_count = 2.5 WHERE id = 1")
        conn.execute("UPDATE articles SET description = x'00ff' WHERE id = 2")
        conn.execute("UPDATE articles SET tags = '[1, true, null]' WHERE id = 3")
        conn.execute("UPDATE articles SET tags = '{\"a\": 1}' WHERE id = 4")
        conn.execute("UPDATE articles SET authors = 'not json, \"quoted\"' WHERE id = 5")
        conn.execute("UPDATE articles SET tags = '{}' WHERE id = 6")
        conn.execute("UPDATE articles SET tags = '\"a, b\"' WHERE id = 7")
        conn.execute("UPDATE articles SET authors = ' [\"Doe, Jane\"]' WHERE id = 8")
    conn.close()
    for fmt in SQL_FORMATS:
        for fields in (DEFAULT_FIELDS, ALL_FIELDS, ("tags",)):
            if fmt != "csv" and "description" in fields:
                continue  # json.dumps cannot write the blob (no scraper writes one)
            expected = python_export(db_path, fmt, fields, False)
            assert sql_export(db_path, fmt, fields, False) == expected
    assert "2.5" in python_export(db_path, "csv", DEFAULT_FIELDS, False)
    assert "b'\\x00\\xff'" in python_export(db_path, "csv", DEFAULT_FIELDS, False)


def test_filters_and_undated_order_are_the_same(db_path):
    store(db_path, [Article(title=f"t{i}", body="b", tags=["Klima" if i % 2 else "Wetter"],
                            published=None if i % 3 == 0 else f"202{i % 4}-0{1 + i % 9}-01") for i in range(12)])
    for filters in (None, Filters(tags=["klima"]), Filters(since="2021"), Filters(query="b")):
        for fmt in SQL_FORMATS:
            assert sql_export(db_path, fmt, DEFAULT_FIELDS, False, filters) == \
                python_export(db_path, fmt, DEFAULT_FIELDS, False, filters)


def test_a_file_gets_the_bytes_a_text_stream_gets(db_path, tmp_path):
    store(db_path, [Article(title='a, "b"', body="é\n\nx", tags=["t"], published="2021-01-01")])
    for fmt in SQL_FORMATS:
        target = tmp_path / f"out.{fmt}"
        with Archive(db_path, readonly=True) as archive, open(target, "w", encoding="utf-8", newline="") as out:
            out.write("#")  # text written before the export's bytes stays before them
            count = export_articles(archive, out, fmt=fmt)
        assert count == 1
        assert target.read_bytes().decode("utf-8") == "#" + python_export(db_path, fmt, DEFAULT_FIELDS, False)
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8")[1:])[0]["title"] == 'a, "b"'


def test_an_unknown_format_is_refused(db_path):
    store(db_path, [Article(title="t", body="b")])
    with Archive(db_path, readonly=True) as archive, pytest.raises(ValueError, match="unknown export format"):
        export_articles(archive, io.StringIO(), fmt="xml")
