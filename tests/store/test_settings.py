"""Settings that cannot be used are refused by where they came from: file and key, or
environment variable; nothing is opened with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.store import InvalidSettings, Settings, duckdb_connect, init_workspace, open_workspace


@pytest.fixture
def root(tmp_path: Path) -> Path:
    ws = init_workspace(tmp_path / "ws", "test-node")
    ws.close()
    return ws.root


def _settings(root: Path, text: str | bytes) -> None:
    path = root / "accord.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('node_name = "x\n', "accord.toml: not valid TOML: Illegal character '\\n' (at line 1"),
        ('node_name = "x"\nchunk_rows = "many"\n',
         "accord.toml: chunk_rows: Input should be a valid integer"),
        ('node_name = "x"\nchunk_rows = 10\n',
         "accord.toml: chunk_rows: Input should be greater than or equal to 100 (got 10)"),
        ('node_name = "x"\nstore_uri = "sqlite://"\n',
         "accord.toml: store_uri: not a setting (see docs/settings.md)"),
        (b"\xff\xfe\x00binary", "accord.toml: the settings file is not UTF-8 text"),
        ('node_name = "x"\ntrusted_proxies = "10.0.0.5 proxy.local"\n',
         "accord.toml: trusted_proxies: 'proxy.local' is not an IP address or network "
         "(like 10.0.0.5 or 10.0.0.0/24)"),
    ],
    ids=["not-toml", "not-a-number", "out-of-range", "unknown-key", "binary", "not-a-proxy"],
)  # fmt: skip
def test_a_bad_settings_file_is_refused_by_file_and_key(
    root: Path, text: str | bytes, problem: str
) -> None:
    _settings(root, text)

    with pytest.raises(InvalidSettings) as caught:
        open_workspace(root)

    assert f"{root}/{problem}" in str(caught.value)


def test_a_bad_environment_variable_is_named(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCORD_DUCKDB_THREADS", "0")

    with pytest.raises(InvalidSettings, match=r"^environment variable ACCORD_DUCKDB_THREADS: "
                       r"Input should be greater than or equal to 1 \(got '0'\)$"):  # fmt: skip
        open_workspace(root)
    with pytest.raises(InvalidSettings, match="ACCORD_DUCKDB_THREADS"):
        Settings()  # outside a workspace too (accord link)


def test_the_environment_wins_and_is_named_over_the_file(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settings(root, 'node_name = "x"\nchunk_rows = 10\n')
    monkeypatch.setenv("ACCORD_CHUNK_ROWS", "5")

    with pytest.raises(InvalidSettings, match=r"^environment variable ACCORD_CHUNK_ROWS: .*'5'"):
        open_workspace(root)


def test_a_memory_limit_duckdb_refuses_is_named(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCORD_DUCKDB_MEMORY_LIMIT", "lots")
    ws = open_workspace(root)

    with pytest.raises(InvalidSettings, match=r"duckdb_memory_limit 'lots' \(accord.toml or "
                       r"ACCORD_DUCKDB_MEMORY_LIMIT\): Memory must have a number"):  # fmt: skip
        duckdb_connect(ws)
