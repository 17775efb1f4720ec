"""A workspace's health, as ``accord doctor`` reports it: each problem with how to fix it.

Four checks, each read without opening the workspace the usual way (a workspace whose
settings no longer load must still be examined): ``settings`` (``accord.toml`` parses and
every setting is valid), ``modes`` (nothing readable by other users, see
:mod:`accord.store.permissions`), ``keys`` (the node's identity key pair and privacy
secret are present, well formed and belong together) and ``store`` (the SQL store
answers and its schema is the one this version of Accord builds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from accord.store.database import create_engine, mask_url
from accord.store.errors import DatabaseError, InvalidSettings, NotAWorkspace, StoreError
from accord.store.layout import WORKSPACE_FILE
from accord.store.names import NAME_RULE, is_name
from accord.store.permissions import PRIVATE_FILE, Loose, loose_modes, sqlite_file
from accord.store.settings import Settings

CHECKS = ("settings", "modes", "keys", "store")
SECRET_BYTES = 32
K = TypeVar("K")


@dataclass(frozen=True)
class Problem:
    """One thing wrong: which check found it, where, what, and how to put it right."""

    check: str
    path: str
    problem: str
    fix: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "path": self.path, "problem": self.problem, "fix": self.fix}


@dataclass(frozen=True)
class Health:
    """What ``accord doctor`` found in one workspace."""

    root: Path
    problems: tuple[Problem, ...]
    store: str | None
    """The store's URL (password masked), when the settings could be read."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def found(self, check: str) -> list[Problem]:
        return [p for p in self.problems if p.check == check]


def check_workspace(root: Path) -> Health:
    """Every check over the workspace at ``root`` (:class:`NotAWorkspace` if it is none)."""
    root = root.resolve()
    if not (root / WORKSPACE_FILE).is_file():
        raise NotAWorkspace(
            f"{root} is not an Accord workspace (no {WORKSPACE_FILE}); run 'accord init "
            f"{root}' first or pass --workspace"
        )
    settings, problems = _settings(root)
    store = None
    if settings is not None:
        store = settings.store_url or f"sqlite:///{root / 'accord.db'}"
    problems += _modes(root, store)
    problems += _keys(root / "keys")
    if store is not None:
        problems += _store(store)
    return Health(root, tuple(problems), mask_url(store) if store else None)


def _settings(root: Path) -> tuple[Settings | None, list[Problem]]:
    path = root / WORKSPACE_FILE
    fix = f"edit {path} (settings are listed in docs/settings.md)"
    try:
        settings = Settings.for_workspace(root)
    except OSError as exc:
        return None, [Problem("settings", str(path), f"cannot read it ({exc.strerror})",
                              f"chmod {PRIVATE_FILE:o} {path}")]  # fmt: skip
    except InvalidSettings as exc:  # one line a setting, each naming the file or variable
        return None, [Problem("settings", str(path), line.removeprefix(f"{path}: "), fix)
                      for line in str(exc).splitlines()]  # fmt: skip
    if not is_name(settings.node_name):
        return settings, [Problem("settings", str(path),
                                  f"node_name {settings.node_name[:40]!r} is not a valid name",
                                  f"{fix}; {NAME_RULE}")]  # fmt: skip
    return settings, []


def _modes(root: Path, store: str | None) -> list[Problem]:
    loose = loose_modes(root, thorough=True)
    database = sqlite_file(store) if store else None
    if database is not None and not database.is_relative_to(root):
        loose += _outside(database)
    return [Problem("modes", str(item.path), f"mode {item.mode:o} lets other users in "
                    f"(should be {item.wanted:o})", item.fix()) for item in loose]  # fmt: skip


def _outside(database: Path) -> list[Loose]:
    """An SQLite store kept outside the workspace, and SQLite's files beside it."""
    found = []
    for path in (database, database.with_name(database.name + "-wal"),
                 database.with_name(database.name + "-shm")):  # fmt: skip
        try:
            mode = path.stat().st_mode & 0o777
        except OSError:
            continue
        if mode & 0o077:
            found.append(Loose(path, mode, PRIVATE_FILE))
    return found


def _keys(keys: Path) -> list[Problem]:
    problems: list[Problem] = []
    private = _load(keys / "node.key", problems, _private_key)
    public = _load(keys / "node.pub", problems, _public_key)
    if private is not None and public is not None and not _same(private, public):
        problems.append(Problem("keys", str(keys / "node.pub"),
                                "is not the public half of node.key",
                                "restore both files of the node's key pair from the backup "
                                "made together"))  # fmt: skip
    secret = keys / "privacy.key"
    try:
        size = len(secret.read_bytes())
    except FileNotFoundError:
        size = None
        problems.append(Problem("keys", str(secret), "is missing",
                                _restore("the privacy secret: without it opt-out registers "
                                         "and pseudonyms cannot be read")))  # fmt: skip
    except OSError as exc:
        size = None
        problems.append(Problem("keys", str(secret), f"cannot read it ({exc.strerror})",
                                f"chmod {PRIVATE_FILE:o} {secret}"))  # fmt: skip
    if size is not None and size != SECRET_BYTES:
        problems.append(Problem("keys", str(secret), f"is {size} bytes, not {SECRET_BYTES}",
                                _restore("the privacy secret")))  # fmt: skip
    return problems


def _restore(what: str) -> str:
    return f"restore {what} from the node's backup"


def _private_key(data: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 key")
    return key


def _public_key(data: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 key")
    return key


def _load(path: Path, problems: list[Problem], parse: Callable[[bytes], K]) -> K | None:
    try:
        return parse(path.read_bytes())
    except FileNotFoundError:
        problems.append(
            Problem(
                "keys",
                str(path),
                "is missing",
                _restore("the node's key pair (node.key and node.pub)"),
            )
        )
    except OSError as exc:
        problems.append(Problem("keys", str(path), f"cannot read it ({exc.strerror})",
                                f"chmod {PRIVATE_FILE:o} {path}"))  # fmt: skip
    except (ValueError, TypeError) as exc:
        problems.append(
            Problem(
                "keys",
                str(path),
                f"is not a PEM Ed25519 key ({exc})",
                _restore("the node's key pair (node.key and node.pub)"),
            )
        )
    return None


def _same(private: Ed25519PrivateKey, public: Ed25519PublicKey) -> bool:
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    return private.public_key().public_bytes(*raw) == public.public_bytes(*raw)


def _store(url: str) -> list[Problem]:
    shown = mask_url(url)
    fix = "check store_url in accord.toml (or ACCORD_STORE_URL) and that the database is running"
    try:
        engine = create_engine(url)
    except StoreError as exc:
        return [Problem("store", shown, str(exc), fix)]
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except DatabaseError as exc:  # the engine's own wording, the password masked
        return [Problem("store", shown, f"cannot connect: {exc}", fix)]
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return [Problem("store", shown, f"cannot connect: {reason}", fix)]
    finally:
        engine.dispose()
    head = _head()
    if current != head:
        return [Problem("store", shown, f"the schema is at revision {current or 'none'}, this "
                        f"Accord builds {head}", "point store_url at this node's own database, "
                        "made by 'accord init'")]  # fmt: skip
    return []


def _head() -> str | None:
    scripts = ScriptDirectory(str(resources.files("accord.store") / "migrations"))
    return scripts.get_current_head()
