"""Quality gates: date accuracy on the shared benchmark pages must not slip.

``dates/`` (200 news pages, five of them without a date) and ``dates-more/`` (394 pages:
institutional pages, blogs, web-archive copies). The data lives outside the repository
(``$SCRAPER_BENCH_DIR`` or ``<repo>/../shared/bench``). On CI (``CI=true``) its absence
is a failure, elsewhere the gate is skipped.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.dates import default_data_dir, score_ours

# Pinned a little under the measured accuracy (dates 0.935, dates-more 0.919) so that one
# page changing its answer does not break the build, while a real regression does.
ACCURACY_FLOORS = {"dates": 0.925, "dates-more": 0.925}
PAGES = {"dates": 200, "dates-more": 394}


@pytest.mark.parametrize("name", sorted(ACCURACY_FLOORS))
def test_date_accuracy_on_benchmark(name):
    data_dir = default_data_dir(name)
    if not (data_dir / "labels.json").exists():
        message = f"date benchmark data not found at {data_dir}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    score = score_ours(data_dir)
    wrong = "\n".join(f"{f} expected {e} got {g} [{s}]" for f, _u, e, g, s in score.errors)
    assert score.pages == PAGES[name]
    assert score.accuracy >= ACCURACY_FLOORS[name], f"accuracy {score.accuracy:.3f}\n{wrong}"
    if name == "dates":
        # The five pages without a date must stay dateless: that is what keeps us honest
        # about home pages and landing pages.
        assert score.tn == 5
