"""Layering: what each part of scraper may import, checked in a fresh interpreter.

Extraction runs in every extraction process (a crawl's pool, reextract's, a cluster
worker): it must load the extractor alone, not the HTTP client, the archive or the
data-frame libraries sqlite-utils pulls in when they are installed. The crawl's worker
code runs where there is no archive. ``import scraper`` itself loads nothing until a
public name is used.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

IO_MODULES = {"requests", "urllib3", "sqlite3", "sqlite_utils", "pandas", "numpy", "dask", "distributed",
              "click", "scraper.archive", "scraper.fetching", "scraper.cli"}
EXTRACTION = ["scraper.extraction", "scraper.budget", "scraper.body", "scraper.dates", "scraper.metadata",
              "scraper.structured", "scraper.lexicon", "scraper.parsing", "scraper.render", "scraper.rules",
              "scraper.urls", "scraper.language", "scraper.article", "scraper.records", "scraper.safehtml"]


def loaded_after(*statements: str) -> set[str]:
    """The modules in sys.modules after ``statements`` ran in a fresh interpreter."""
    code = "; ".join([*statements, "import json, sys", "print(json.dumps(sorted(sys.modules)))"])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(done.stdout))


def top_level(modules: set[str]) -> set[str]:
    return {m for m in modules if "." not in m} | {m for m in modules if m.startswith("scraper.")}


@pytest.mark.parametrize("module", ["scraper.extraction", "scraper"])
def test_importing_the_extractor_loads_no_io_module(module):
    loaded = loaded_after(f"import {module}")
    assert not IO_MODULES & top_level(loaded), sorted(IO_MODULES & top_level(loaded))


def test_the_extraction_modules_import_no_io_module():
    loaded = loaded_after(*(f"import {m}" for m in EXTRACTION))
    assert not IO_MODULES & top_level(loaded), sorted(IO_MODULES & top_level(loaded))


def test_the_public_api_loads_what_it_names_on_first_use():
    loaded = loaded_after("import scraper", "scraper.extract('<p>x</p>')")
    assert "scraper.extraction" in loaded and "requests" not in loaded and "sqlite_utils" not in loaded
    loaded = loaded_after("import scraper", "scraper.Archive")
    assert "scraper.archive" in loaded and "requests" not in loaded  # the archive needs no HTTP client


def test_the_crawl_worker_imports_no_archive_and_the_scheduler_no_worker():
    loaded = loaded_after("import scraper.worker")
    assert not {"scraper.archive", "sqlite_utils", "sqlite3", "pandas"} & loaded
    loaded = loaded_after("import scraper.scheduler")
    assert not {"scraper.worker", "scraper.fetching", "requests"} & loaded


def test_unknown_names_are_attribute_errors():
    import scraper

    with pytest.raises(AttributeError, match="no_such_name"):
        scraper.no_such_name  # noqa: B018
    assert {"extract", "fetch", "Archive", "__version__"} <= set(dir(scraper))


# -- packaging: the command line lives in the package -----------------------------------------

def test_the_command_runs_from_the_package_outside_a_checkout(tmp_path):
    """The console script and ``python -m scraper`` run ``scraper.cli``; no top-level ``cli``
    module is installed (it would collide with any other distribution doing the same)."""
    from importlib.metadata import entry_points

    from scraper import __version__

    scripts = {e.value for e in entry_points(group="console_scripts", name="scraper")
               if e.dist is not None and e.dist.name == "scraper-archive"}
    assert scripts == {"scraper.cli:main"}
    as_module = subprocess.run([sys.executable, "-m", "scraper", "--version"], cwd=tmp_path, capture_output=True,
                               text=True, timeout=60)
    assert as_module.returncode == 0 and as_module.stdout.strip() == f"scraper, version {__version__}"
    top_level = subprocess.run([sys.executable, "-c", "import cli"], cwd=tmp_path, capture_output=True, text=True,
                               timeout=60)
    assert top_level.returncode == 1 and "No module named 'cli'" in top_level.stderr
