"""Files: immutable ones named by the SHA-256 of their content, and the one way to read
the documents people write (YAML, JSON, text) within limits.

:func:`publish` moves a finished file under its hash. :func:`read_yaml`,
:func:`read_json` and :func:`read_text` read what a person hands a command, bounded in
size (and, for YAML, in depth, alias expansion and duplicate keys), and raise
:class:`UnreadableDocument` naming the file, line and column; :func:`excerpt` quotes a
bounded piece of a value for a message. :func:`read_kept` reads a small file (a key)
once and keeps what was made of it while the file stays as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import reprlib
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from accord.store.permissions import SNAPSHOT_FILE

_BLOCK = 1 << 20
T = TypeVar("T")
_kept: dict[tuple[str, str], tuple[tuple[int, int, int], object]] = {}
_kept_lock = threading.Lock()


def read_kept(path: Path, what: str, make: Callable[[Path, bytes], T]) -> T:
    """``make(path, its bytes)``, made again only when the file changed (its size,
    modification time or inode): for the keys a request reads, where reading and parsing
    the file each time cost more than using it. ``what`` names what is made, so one file
    can be kept as two things."""
    name = str(path)  # a path's text hashes at once; a Path splits itself first
    seen = path.stat()
    stamp = (seen.st_size, seen.st_mtime_ns, seen.st_ino)
    with _kept_lock:
        found = _kept.get((name, what))
    if found is not None and found[0] == stamp:
        return found[1]  # type: ignore[return-value]
    made = make(path, path.read_bytes())
    with _kept_lock:
        _kept[(name, what)] = (stamp, made)
    return made


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def publish(tmp: Path, directory: Path, suffix: str) -> tuple[str, Path, bool]:
    """Move a finished file into ``directory`` under its content hash.

    Returns ``(hash, final path, created)``; ``created`` is False when an identical file
    was already there (the temporary one is then discarded), so a caller undoing a failed
    operation knows whether the file is its own to remove.
    """
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    digest = sha256_file(tmp)
    final = directory / f"{digest}{suffix}"
    if final.exists():
        tmp.unlink()
        return digest, final, False
    # Read-only and the owner's alone: a snapshot holds personal data and never changes.
    tmp.chmod(SNAPSHOT_FILE)
    tmp.replace(final)
    return digest, final, True


class UnreadableDocument(ValueError):
    """A document (YAML, JSON, text) that cannot be read or parsed, or breaks a limit; the
    message names the file and, where the parser says, the line and column. Loaders
    re-raise it as their own error."""


MAX_YAML_BYTES = 1 << 20
"""The largest YAML file read (1 MiB): mappings, checklists, agreements, descriptions."""
MAX_YAML_DEPTH = 64
"""The deepest nesting of lists and mappings a YAML document may have."""
MAX_YAML_NODES = 100_000
"""The most values a YAML document may hold once its aliases are expanded (an alias
bomb holds billions in a few lines)."""
_EXCERPT = 60


def excerpt(value: object, limit: int = _EXCERPT) -> str:
    """A short quotation of ``value`` for an error message, whatever its size: the work
    is bounded too, so a structure that shares itself a billion times costs nothing."""
    shown = _REPR.repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


_REPR = reprlib.Repr()  # keyword arguments only from Python 3.12
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, _EXCERPT, _EXCERPT
_REPR.maxdict = _REPR.maxlist = _REPR.maxtuple = _REPR.maxset = 6


class _Refused(yaml.MarkedYAMLError):
    """A limit of :func:`read_yaml` broken, at a place in the file."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with limits: nesting depth (counted as nodes are composed,
    before Python's own recursion limit is near), the size of the document with its
    aliases expanded, and no key twice in one mapping."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Refused(problem=f"is nested more than {MAX_YAML_DEPTH} levels deep",
                               problem_mark=mark)  # fmt: skip
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> yaml.Node | None:
        node: yaml.Node | None = super().get_single_node()
        if node is not None:
            _expanded(node, {})
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, yaml.Mark] = {}
        for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else ():
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # a merged mapping's keys may be overridden: that is its purpose
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                continue  # the base class refuses it with its place
            first = seen.setdefault(key, key_node.start_mark)
            if first is not key_node.start_mark:
                raise _Refused(
                    problem=f"names the key {excerpt(key)} twice in one mapping (first at line "
                    f"{first.line + 1}, column {first.column + 1}; the second would win)",
                    problem_mark=key_node.start_mark,
                )
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def _expanded(node: yaml.Node, sizes: dict[int, int | None]) -> int:
    """How many values ``node`` holds with every alias expanded; refuses a document over
    :data:`MAX_YAML_NODES` or one that contains itself. Each node is counted once
    (``sizes``), so the count costs the document's size, not its expansion's."""
    key = id(node)
    if key in sizes:
        size = sizes[key]
        if size is None:
            raise _Refused(problem="has an alias inside the list or mapping it refers to",
                           problem_mark=node.start_mark)  # fmt: skip
        return size
    sizes[key] = None
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded(k, sizes) + _expanded(v, sizes) for k, v in node.value)
    if size > MAX_YAML_NODES:
        raise _Refused(problem=f"holds more than {MAX_YAML_NODES:,} values once its aliases "
                       "are expanded", problem_mark=node.start_mark)  # fmt: skip
    sizes[key] = size
    return size


def read_text(path: Path, what: str, limit: int) -> str:
    """The UTF-8 text of the file at ``path``, at most ``limit`` bytes; else
    :class:`UnreadableDocument` naming the file and what is wrong (``what`` names the
    document: "checklist", "audit export")."""
    data = bytearray()
    try:
        with path.open("rb") as fh:
            # In blocks: read(limit) would set aside the whole limit at once.
            while block := fh.read(min(_BLOCK, limit + 1 - len(data))):
                data += block
                if len(data) > limit:
                    raise UnreadableDocument(f"{path}: {what} is larger than {_size(limit)}, "
                                             "the most Accord reads for one")  # fmt: skip
    except OSError as exc:
        raise UnreadableDocument(f"{path}: cannot read {what}: {exc.strerror}") from exc
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(
            f"{path}: {what} is not UTF-8 text (byte {exc.start}: {exc.reason})"
        ) from exc


def _size(limit: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= scale and limit % scale == 0:
            return f"{limit // scale} {unit}"
    return f"{limit:,} bytes"


def read_yaml(path: Path, what: str) -> object:
    """The YAML document at ``path`` (a mapping, a checklist, an agreement …), parsed.

    Every YAML file a person writes is read here, within limits (docs/cli.md): at most
    :data:`MAX_YAML_BYTES`, nested at most :data:`MAX_YAML_DEPTH` deep, at most
    :data:`MAX_YAML_NODES` values with aliases expanded, no key twice in a mapping.
    ``what`` names the document in the message of :class:`UnreadableDocument`, which
    also gives the line and column.
    """
    text = read_text(path, what, MAX_YAML_BYTES)
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader refuses control characters here already
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).split("\n", 1)[0]
        if isinstance(exc, _Refused):
            raise UnreadableDocument(f"{path}: refused{at}: the {what} {problem}") from exc
        raise UnreadableDocument(f"{path}: not valid YAML{at}: {problem}") from exc
    finally:
        if loader is not None:
            loader.dispose()


MAX_JSON_BYTES = 1 << 30
"""The largest JSON document read whole (an audit export of many entries)."""


def read_json(path: Path, what: str, limit: int = MAX_JSON_BYTES) -> object:
    """The JSON document at ``path``, parsed; :class:`UnreadableDocument` naming the
    file, line and column when it cannot be (binary, truncated, nested too deep)."""
    text = read_text(path, what, limit)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableDocument(f"{path}: {what} is not valid JSON at line {exc.lineno}, "
                                 f"column {exc.colno}: {exc.msg}") from exc  # fmt: skip
    except RecursionError as exc:
        raise UnreadableDocument(f"{path}: {what} is nested too deep to read") from exc
