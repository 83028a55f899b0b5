"""Shared test fixtures: fixture files, archives in temporary folders, local HTTP servers."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_bytes():
    """Read a file from tests/fixtures as bytes."""

    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's archive lives (created on first use)."""
    return tmp_path / "archive.db"
