"""One identifier pattern for every name a person types."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.store import MAX_NAME, InvalidName, check_name


@pytest.mark.parametrize(
    "name", ["patients", "gp", "a81001", "rx1.v2", "x_y-z", "0", "a" * MAX_NAME]
)
def test_good_names_pass(name: str) -> None:
    assert check_name(name, "dataset name") == name


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "is empty"),
        ("../../evil", "contains '/'"),
        (".hidden", "starts with '.'"),
        ("a/b", "contains '/'"),
        ("a\nb", "contains '\\n' (U+000A)"),
        ("a" * 10_000, "is 10,000 characters long"),
        ("pаtients", "U+0430"),  # a Cyrillic а
        ("x'; DROP TABLE snapshots; --", 'contains "\'"'),
        ("Patients", "contains 'P'"),
        ("-x", "starts with '-'"),
    ],
)
def test_bad_names_are_refused_saying_why(name: str, says: str) -> None:
    with pytest.raises(InvalidName) as caught:
        check_name(name, "dataset name")
    message = str(caught.value)
    assert message.startswith("dataset name ")
    assert says in message
    assert len(message) < 300  # a 10,000-character name is not echoed whole


@given(st.text(max_size=120))
def test_whatever_passes_is_a_safe_file_name(text: str) -> None:
    try:
        name = check_name(text, "name")
    except InvalidName:
        return
    assert "/" not in name
    assert "\\" not in name
    assert name not in (".", "..")
    assert name.isascii()
    assert name == name.lower()
    assert name.strip() == name
