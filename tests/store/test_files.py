"""The one way to read what people write: YAML, JSON and text within limits.

The bombs are built to be refused before they grow: each test that reads one also
measures the memory the read took (tracemalloc), so a loader that expanded the bomb
first and refused it after would fail here rather than take the machine down.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from accord.store import UnreadableDocument, excerpt, read_json, read_kept, read_text, read_yaml
from accord.store.files import MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES

PEAK_BYTES = 64 << 20
"""More than reading any refused document may take (the bombs would take gigabytes)."""


def _write(tmp_path: Path, text: str | bytes, name: str = "doc.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _refused(read: Callable[[], object]) -> str:
    """The message ``read`` is refused with; fails if it took too much memory."""
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableDocument) as caught:
            read()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES, f"refusing took {peak:,} bytes"
    return str(caught.value)


def _laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_where_it_expands(tmp_path: Path) -> None:
    path = _write(tmp_path, _laughs(10))  # 9^10, three billion values in ten lines

    message = _refused(lambda: read_yaml(path, "mapping file"))

    assert message.startswith(f"{path}: refused at line 6, column ")
    assert f"more than {MAX_YAML_NODES:,} values once its aliases are expanded" in message


def test_aliases_within_the_limit_are_read(tmp_path: Path) -> None:
    path = _write(tmp_path, _laughs(5))  # 9^5 = 59,049 values

    data = read_yaml(path, "mapping file")

    assert isinstance(data, dict)
    assert len(data["a4"]) == 9


def test_an_alias_inside_what_it_names_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "a: &a [1, *a]\n")

    assert "has an alias inside the list or mapping it refers to" in _refused(
        lambda: read_yaml(path, "checklist")
    )


@pytest.mark.parametrize("style", ["flow", "block"])
def test_nesting_1000_deep_is_refused_with_its_place(tmp_path: Path, style: str) -> None:
    if style == "flow":
        text = "a: " + "[" * 1000 + "]" * 1000 + "\n"
    else:
        text = "".join(f"{'  ' * i}k{i}:\n" for i in range(1000)) + f"{'  ' * 1000}v\n"
    path = _write(tmp_path, text)

    message = _refused(lambda: read_yaml(path, "agreement"))

    assert f"the agreement is nested more than {MAX_YAML_DEPTH} levels deep" in message
    assert "refused at line " in message


def test_nesting_within_the_limit_is_read(tmp_path: Path) -> None:
    depth = MAX_YAML_DEPTH - 2
    path = _write(tmp_path, "a: " + "[" * depth + "1" + "]" * depth + "\n")

    value = read_yaml(path, "agreement")

    assert isinstance(value, dict)


def test_a_key_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "fields:\n  record_id: id\n  given_name: first\n  record_id: x\n")

    message = _refused(lambda: read_yaml(path, "mapping file"))

    assert message == (
        f"{path}: refused at line 4, column 3: the mapping file names the key 'record_id' "
        "twice in one mapping (first at line 2, column 3; the second would win)"
    )


def test_keys_that_yaml_reads_as_one_value_are_the_same_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "yes: 1\ntrue: 2\n")  # both are True in YAML 1.1

    assert "names the key True twice" in _refused(lambda: read_yaml(path, "checklist"))


def test_a_merged_mapping_may_be_overridden(tmp_path: Path) -> None:
    path = _write(tmp_path, "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  x: 3\n")

    assert read_yaml(path, "description") == {"base": {"x": 1, "y": 2}, "d": {"x": 3, "y": 2}}


def test_a_document_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = _write(tmp_path, "a: " + "x" * MAX_YAML_BYTES + "\n")

    assert "is larger than 1 MiB" in _refused(lambda: read_yaml(path, "checklist"))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\x00\xff\xfe binary", "is not UTF-8 text (byte 1"),
        ("fields: [unclosed\n", "not valid YAML at line 2, column 1"),
        ("a: 1\n---\nb: 2\n", "not valid YAML at line 2, column 1"),
        ("a: \x00\n", "not valid YAML"),
    ],
    ids=["binary", "unclosed", "two-documents", "control-character"],
)
def test_what_is_not_yaml_is_refused_with_its_place(
    tmp_path: Path, content: str | bytes, problem: str
) -> None:
    path = _write(tmp_path, content)

    message = _refused(lambda: read_yaml(path, "mapping file"))

    assert message.startswith(f"{path}: ")
    assert problem in message


def test_a_folder_or_a_missing_file_is_named(tmp_path: Path) -> None:
    assert _refused(lambda: read_yaml(tmp_path, "checklist")) == (
        f"{tmp_path}: cannot read checklist: Is a directory"
    )
    missing = tmp_path / "nowhere.yaml"
    assert "No such file or directory" in _refused(lambda: read_yaml(missing, "checklist"))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"format": "x", "entries": [{"ind', "is not valid JSON at line 1, column 30"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "is not UTF-8 text (byte 0"),
        (b"[" * 100_000, "is nested too deep to read"),
        (b"", "is not valid JSON at line 1, column 1"),
    ],
    ids=["truncated", "binary", "nested", "empty"],
)
def test_json_that_cannot_be_read_is_refused_by_file(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = _write(tmp_path, content, "export.json")

    message = _refused(lambda: read_json(path, "audit export"))

    assert message.startswith(f"{path}: audit export ")
    assert problem in message


def test_text_over_its_limit_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "x" * 2049, "note.txt")

    assert read_text(path, "note", 4096) == "x" * 2049
    assert "is larger than 2 KiB" in _refused(lambda: read_text(path, "note", 2048))


def test_an_excerpt_of_a_self_sharing_structure_is_short_and_cheap() -> None:
    value: list[object] = ["lol"] * 9
    for _ in range(60):  # 9^60 values if expanded
        value = [value] * 9

    shown = excerpt(value)

    assert len(shown) <= 60
    assert shown.startswith("[[[")
    assert len(excerpt("x" * 1000)) <= 60
    assert excerpt("record_id") == "'record_id'"


def test_a_kept_file_is_read_once_and_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_bytes(b"one")
    reads: list[bytes] = []

    def made(_: Path, data: bytes) -> bytes:
        reads.append(data)
        return data.upper()

    assert read_kept(path, "upper", made) == read_kept(path, "upper", made) == b"ONE"
    assert reads == [b"one"]  # the second call kept what the first made
    replaced = tmp_path / "secret.new"
    replaced.write_bytes(b"two")
    replaced.replace(path)  # a rotation: a new file put in place
    assert read_kept(path, "upper", made) == b"TWO"
    assert read_kept(path, "other", lambda _, d: len(d)) == 3  # kept apart by what
