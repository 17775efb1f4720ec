"""The staff areas, in the order the navigation shows them: by each area's declared
place, not by the order their modules happen to be imported in."""

from __future__ import annotations

import pytest

from accord.accounts import Role
from accord.portal import app  # noqa: F401  (every area registers itself on import)
from accord.portal.areas import AREAS, Area, register_area


def test_areas_are_in_their_declared_order() -> None:
    assert [a.title for a in AREAS] == [
        "Datasets", "Agreements", "Legal gateway finder", "People", "Usage", "Audit log",
        "Checkpoints", "Staff accounts",
    ]  # fmt: skip


def test_an_area_is_registered_once() -> None:
    again = Area("Datasets", AREAS[0].href, "again", frozenset({Role.STEWARD}), order=1)
    with pytest.raises(ValueError, match="already registered"):
        register_area(again)
