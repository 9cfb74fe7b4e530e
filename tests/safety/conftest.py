"""The order-journal fixture: each journal test runs against SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from etrade_sync.orders import JournalStore
from tests.safety.journals import OpenJournal, open_journal_at


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def journal_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where this test's journal lives: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return str(tmp_path / "j" / "journal.sqlite3")


@pytest.fixture
def journal_store(journal_location: str) -> Iterator[OpenJournal]:
    """Opens journals on the test's database; closes them at the end."""
    opened: list[Any] = []

    def open_(**scope: str) -> JournalStore:
        journal = open_journal_at(journal_location, **scope)
        opened.append(journal)
        return journal  # type: ignore[no-any-return]

    yield open_
    for journal in opened:
        close = getattr(journal, "close", None)
        if close is not None:
            close()
