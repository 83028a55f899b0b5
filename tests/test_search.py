"""Full-text search: ranking, snippets, filters, and bad queries as one-line usage errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scraper.archive import Archive
from scraper.article import Article
from scraper.cli import EXIT_USAGE, cli
from scraper.search import Filters, QueryError, date_bound, search

ARTICLES = [
    ("https://www.alpha.com/1", "Glacier retreat in the Alps", "Scientists measured the glacier again.",
     "2021-03-04T10:00:00+01:00", ["Climate", "Europe"]),
    ("https://alpha.com/2", "Budget talks", "The glacier fund was cut. Glacier experts protested. Glacier!",
     "2021-07-15", ["Politics"]),
    ("https://beta.org/3", "Mountain diary", "A walk past a glacier and a lake.", "2022-01-01T00:00:00Z",
     ["climate"]),
    ("https://beta.org/4", "Undated note", "No ice here at all.", None, ["Climate"]),
]


@pytest.fixture
def archive(db_path):
    with Archive(db_path) as archive:
        for url, title, body, published, tags in ARTICLES:
            archive.store(Article(title=title, body=body, published=published, tags=tags), raw=b"<p></p>", url=url)
    return db_path


def ids(hits):
    return [h.id for h in hits]


def test_title_matches_rank_first_and_snippets_mark_the_word(archive):
    with Archive(archive, readonly=True) as a:
        hits = search(a, "glacier")
    assert ids(hits) == [1, 2, 3]  # the title hit first, then the body with three mentions
    assert hits[0].snippet == "[Glacier] retreat in the Alps".replace("[", "**").replace("]", "**")
    assert "**glacier**" in hits[2].snippet and hits[0].score > hits[1].score > hits[2].score
    assert hits[0].tags == ["Climate", "Europe"] and hits[0].site == "alpha.com"


@pytest.mark.parametrize("filters,expected", [
    (Filters(since="2021-07"), [2, 3]),
    (Filters(until="2021-07-15"), [1, 2]),
    (Filters(until="2021-07-14"), [1]),
    (Filters(since="2021", until="2021"), [1, 2]),
    (Filters(tags=["CLIMATE"]), [1, 3]),
    (Filters(tags=["politics", "europe"]), [1, 2]),
    (Filters(sites=["https://www.beta.org/"]), [3]),
    (Filters(sites=["alpha.com"], tags=["climate"]), [1]),
])
def test_filters(archive, filters, expected):
    with Archive(archive, readonly=True) as a:
        assert sorted(ids(search(a, "glacier", filters))) == expected


def test_fts_syntax(archive):
    with Archive(archive, readonly=True) as a:
        assert ids(search(a, '"glacier fund"')) == [2]
        assert ids(search(a, "glacier NOT budget")) == [1, 3]
        assert ids(search(a, "title:mountain OR lake")) == [3]
        assert ids(search(a, "glac*", limit=1)) == [1]
        with pytest.raises(QueryError, match="double quotes"):
            search(a, "covid-19")
        with pytest.raises(QueryError):
            search(a, '"unterminated')
        with pytest.raises(QueryError, match="empty"):
            search(a, "   ")


@pytest.mark.parametrize("value,end,bound", [
    ("2021", False, "2021"), ("2021", True, "2022"), ("2021-12", True, "2022-01"),
    ("2021-02-28", True, "2021-03-01"), ("2020-12-31", True, "2021-01-01"),
])
def test_date_bounds(value, end, bound):
    assert date_bound(value, end=end) == bound


@pytest.mark.parametrize("bad", ["21-01-01", "2021-13", "2021-02-30", "yesterday"])
def test_bad_dates(bad):
    with pytest.raises(ValueError):
        date_bound(bad, end=True)


def test_search_command_text_and_json(archive):
    runner = CliRunner()
    text = runner.invoke(cli, ["search", "glacier", "--site", "beta.org", "--db", str(archive)])
    assert text.exit_code == 0, text.output
    assert text.output.splitlines() == [
        "     3  2022-01-01  beta.org                  Mountain diary",
        "        A walk past a **glacier** and a lake.",
    ]
    data = json.loads(runner.invoke(cli, ["search", "glacier", "--tag", "climate", "--limit", "1", "--format",
                                          "json", "--db", str(archive)]).output)
    assert [(d["id"], d["title"], d["snippet"]) for d in data] == [
        (1, "Glacier retreat in the Alps", "**Glacier** retreat in the Alps")]
    none = runner.invoke(cli, ["search", "volcano", "--db", str(archive)])
    assert none.exit_code == 0 and none.stdout == "" and "no matches" in none.stderr


@pytest.mark.parametrize("args,message", [
    (["search", "covid-19"], "invalid search query"),
    (["search", 'AND AND'], "invalid search query"),
    (["search", "x", "--since", "July"], "--since: not a date"),
    (["export", "--query", "a:b"], "invalid search query"),
])
def test_bad_queries_are_one_line_usage_errors(archive, args, message):
    result = CliRunner().invoke(cli, [*args, "--db", str(archive)])
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert result.stdout == ""


@pytest.fixture
def many(db_path):
    """Twelve articles with "harbour": the oldest holds it in its title (the best match of all)."""
    with Archive(db_path) as archive:
        archive.store(Article(title="Harbour", body="harbour harbour"), raw=b"<p></p>", url="https://a.com/0")
        for i in range(1, 12):
            archive.store(Article(title=f"Note {i}", body=f"A walk by the harbour, day {i}."), raw=b"<p></p>",
                          url=f"https://a.com/{i}")
    return db_path


def test_past_the_window_the_best_are_chosen_among_the_newest_matches(many):
    with Archive(many, readonly=True) as a:
        every = search(a, "harbour", window=None, limit=3)
        windowed = search(a, "harbour", window=5, limit=20)
        wide = search(a, "harbour", window=12, limit=3)
        filtered = search(a, "harbour", Filters(sites=["a.com"]), window=5, limit=3)
        phrase = search(a, '"the harbour"', window=5, limit=20)
    assert every[0].id == 1  # the title match, archived first
    assert sorted(ids(windowed)) == [8, 9, 10, 11, 12]  # the five most recently archived matches
    assert ids(wide) == ids(every)  # no more matches than the window: every match ranked
    assert filtered[0].id == 1  # a filter: every match ranked
    assert sorted(ids(phrase)) == [8, 9, 10, 11, 12]


def test_search_rank_all_option_reaches_the_library(many):
    runner = CliRunner()
    default = json.loads(runner.invoke(cli, ["search", "harbour", "--format", "json", "--db", str(many)]).stdout)
    ranked = json.loads(runner.invoke(cli, ["search", "harbour", "--rank-all", "-n", "1", "--format", "json",
                                            "--db", str(many)]).stdout)
    assert default[0]["id"] == 1 and len(default) == 12  # 12 matches: under the default window
    assert [hit["id"] for hit in ranked] == [1]
