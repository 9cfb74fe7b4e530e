"""Fixtures for the login tests: a simulator on a held clock, a token key, a token path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from etrade_sync.simulator import SimClock, Simulator
from tests.auth.helpers import at_et

#: A weekday afternoon in New York, far from midnight and from DST changes.
START = at_et(2026, 3, 10, 13, 0)


@pytest.fixture
def key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def token_path(tmp_path: Path) -> Path:
    """A token file in a directory that does not exist yet."""
    return tmp_path / "state" / "tokens.json"


@pytest.fixture
def held_sim() -> Iterator[Simulator]:
    """A simulator whose clock stands at ``START`` until a test moves it."""
    with Simulator(clock=SimClock(START)) as simulator:
        yield simulator
