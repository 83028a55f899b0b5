"""Researchers get dates, authors and tags out intact: CSV read back by pandas equals the archive."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from scraper.archive import Archive
from scraper.cli import cli
from scraper.export import LIST_SEPARATOR

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = {
    "metadata/jsonld_graph_authors.html": "https://news.example.com/2023/05/04/graph-authors",
    "metadata/german_schlagworte.html": "https://www.zeitung.example.de/politik/2023/schlagworte",
    "metadata/byline_site_name.html": "https://www.example-times.com/2022/11/byline",
    "dates/en_byline_updated.html": "https://www.example-news.com/2021/03/09/updated-story",
    "dates/es_graph.html": "https://www.diario.example.es/sociedad/noticia-graph",
    "news_article.html": "https://www.themoscowtimes.com/2021/07/22/border-outpost-a74580",
}


def split(cell: str) -> list[str]:
    return cell.split(LIST_SEPARATOR) if cell else []


def test_published_modified_authors_and_tags_survive_a_csv_round_trip(tmp_path):
    db = tmp_path / "archive.db"
    runner = CliRunner()
    for name, url in PAGES.items():
        result = runner.invoke(cli, ["fetch", str(FIXTURES / name), "--url", url, "--db", str(db)])
        assert result.exit_code == 0, result.output
    out = tmp_path / "articles.csv"
    fields = "url,published,modified,authors,tags"
    assert runner.invoke(cli, ["export", "--fields", fields, "-o", str(out), "--db", str(db)]).exit_code == 0

    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    with Archive(db, readonly=True) as archive:
        stored = {row["url"]: row for row in archive.query("SELECT * FROM articles")}
    assert sorted(frame["url"]) == sorted(stored)
    dated = authored = tagged = 0
    for record in frame.to_dict("records"):
        row = stored[record["url"]]
        assert record["published"] == (row["published"] or "")
        assert record["modified"] == (row["modified"] or "")
        assert split(record["authors"]) == row["authors"]
        assert split(record["tags"]) == row["tags"]
        dated += bool(row["published"])
        authored += bool(row["authors"])
        tagged += bool(row["tags"])
    # The fixtures carry real values, so the round trip compares something.
    assert dated >= 5 and authored >= 4 and tagged >= 4
    moscow = frame[frame["url"] == PAGES["news_article.html"]].iloc[0]
    assert moscow["published"].startswith("2021-07-22") and moscow["tags"] == "Tajikistan; Afghanistan"
