"""A token file or directory other users can write is refused, with the fix (like ssh)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from etrade_sync.auth import AccessToken
from etrade_sync.auth.filestore import EncryptedFileStore
from etrade_sync.errors import ConfigurationError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def token() -> AccessToken:
    return AccessToken("tok", "sec", issued_at=NOW, last_used=NOW)


@pytest.fixture
def key() -> str:
    return Fernet.generate_key().decode()


def test_world_writable_directory_is_refused_with_the_chmod_command(
    tmp_path: Path, key: str
) -> None:
    folder = tmp_path / "tokens"
    folder.mkdir()
    os.chmod(folder, 0o777)
    store = EncryptedFileStore(folder / "tokens.json", key, namespace="sandbox:x")
    with pytest.raises(ConfigurationError) as info:
        store.save(token())
    assert f"chmod 700 {folder}" in str(info.value)
    assert "0777" in str(info.value)
    assert not (folder / "tokens.json").exists()
    os.chmod(folder, 0o700)
    store.save(token())  # fixed as told: accepted
    assert store.load() == token()


def test_a_file_made_group_writable_later_is_refused_on_load(tmp_path: Path, key: str) -> None:
    path = tmp_path / "tokens.json"
    store = EncryptedFileStore(path, key, namespace="sandbox:x")
    store.save(token())
    os.chmod(path, 0o620)
    with pytest.raises(ConfigurationError) as info:
        store.load()
    assert f"chmod 600 {path}" in str(info.value)
