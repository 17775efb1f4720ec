"""A store that cannot be reached is named (without its password), whatever touches it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from accord.store import DatabaseError, create_engine, mask_url

CLOSED = "postgresql+psycopg://accord:s3cret-password@127.0.0.1:1/accord"


def test_a_server_that_is_not_running_is_named_without_its_password() -> None:
    engine = create_engine(CLOSED)

    with pytest.raises(DatabaseError) as caught, engine.connect():
        pass

    message = str(caught.value)
    assert message.startswith(f"cannot reach the SQL store {mask_url(CLOSED)}: ")
    assert "127.0.0.1:1" in message
    assert "is the database server running" in message
    assert "s3cret-password" not in message
    assert len(message.splitlines()) == 1


def test_a_sqlite_file_in_a_missing_folder_is_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gone' / 'accord.db'}"

    with pytest.raises(DatabaseError, match=r"cannot reach the SQL store sqlite:///.*gone/"
                       r"accord\.db: unable to open database file"):  # fmt: skip
        create_engine(url).connect()


def test_a_failing_statement_on_a_working_store_stays_what_it_is(store_url: str) -> None:
    engine = create_engine(store_url)

    with pytest.raises(sa.exc.DBAPIError), engine.connect() as conn:
        conn.execute(sa.text("SELECT * FROM no_such_table"))
    engine.dispose()


def test_a_url_no_dialect_knows_is_named() -> None:
    with pytest.raises(DatabaseError, match="cannot use store URL nonsense://x"):
        create_engine("nonsense://x")
