"""UK postcodes: the normal form, validation and the derived area, district and sector."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.people import StandardisedRecord
from accord.people.postcodes import POSTCODE_PATTERN
from accord.people.sql import WHITESPACE
from tests.people.support import each, examples, many

SW1A = ("SW1A 1AA", None, "SW", "SW1A", "SW1", "SW1A 1")
NO_PARTS = (None, None, None, None)
# (raw, (postcode, issue, area, outward, district, sector))
POSTCODES = [
    ("SW1A 1AA", SW1A),
    ("sw1a1aa", SW1A),
    ("SW1A  1AA", SW1A),
    ("sw1a-1aa", SW1A),
    (" sw1a 1aa\r\n", SW1A),
    ("ＳＷ１Ａ １ＡＡ", SW1A),
    ("LS6 2AB", ("LS6 2AB", None, "LS", "LS6", "LS6", "LS6 2")),
    ("ls62ab", ("LS6 2AB", None, "LS", "LS6", "LS6", "LS6 2")),
    ("M1 1AE", ("M1 1AE", None, "M", "M1", "M1", "M1 1")),
    ("B33 8TH", ("B33 8TH", None, "B", "B33", "B33", "B33 8")),
    ("CR2 6XH", ("CR2 6XH", None, "CR", "CR2", "CR2", "CR2 6")),
    ("DN55 1PT", ("DN55 1PT", None, "DN", "DN55", "DN55", "DN55 1")),
    ("W1A 0AX", ("W1A 0AX", None, "W", "W1A", "W1", "W1A 0")),
    ("EC1A 1BB", ("EC1A 1BB", None, "EC", "EC1A", "EC1", "EC1A 1")),
    ("GIR 0AA", ("GIR 0AA", None, "GIR", "GIR", "GIR", "GIR 0")),
    ("gir0aa", ("GIR 0AA", None, "GIR", "GIR", "GIR", "GIR 0")),
    ("QQ1 1AA", ("QQ1 1AA", "invalid", *NO_PARTS)),
    ("AB1 0CI", ("AB1 0CI", "invalid", *NO_PARTS)),
    ("SW1A 1AAA", ("SW1A1AAA", "invalid", *NO_PARTS)),
    ("SW1A", ("SW1A", "invalid", *NO_PARTS)),
    ("BFPO 123", ("BFPO123", "invalid", *NO_PARTS)),
    # A foreign postal code keeps its own shape: no space pushed into it.
    ("75008", ("75008", "invalid", *NO_PARTS)),
    ("-", (None, "invalid", *NO_PARTS)),
    ("", (None, None, *NO_PARTS)),
    ("  ", (None, None, *NO_PARTS)),
    (None, (None, None, *NO_PARTS)),
]


@pytest.fixture(scope="module")
def postcodes() -> dict[str | None, StandardisedRecord]:
    return each("postcode", [c[0] for c in POSTCODES])


def parts(rec: StandardisedRecord) -> tuple[str | None, ...]:
    return (
        rec.postcode, rec.postcode_issue, rec.postcode_area, rec.postcode_outward,
        rec.postcode_district, rec.postcode_sector,
    )  # fmt: skip


@pytest.mark.parametrize(("raw", "expected"), POSTCODES, ids=[repr(c[0]) for c in POSTCODES])
def test_postcode(
    postcodes: dict[str | None, StandardisedRecord],
    raw: str | None,
    expected: tuple[str | None, ...],
) -> None:
    assert parts(postcodes[raw]) == expected
    assert postcodes[raw].postcode_raw == raw


def mess(postcode: str, how: int) -> str:
    """One of the ways people type a postcode."""
    return [
        postcode,
        postcode.lower(),
        postcode.replace(" ", ""),
        postcode.replace(" ", "  "),
        postcode.replace(" ", "-"),
        f"  {postcode.lower().replace(' ', '')}\t",
        postcode.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}),  # full-width forms
    ][how]


valid = st.from_regex(POSTCODE_PATTERN, fullmatch=True)


@examples(25)
@given(st.lists(st.tuples(valid, st.integers(0, 6)), min_size=1, max_size=25))
def test_valid_postcodes_normalise_and_derive(cases: list[tuple[str, int]]) -> None:
    raws = [mess(p, how) for p, how in cases]
    for (postcode, _), rec in zip(cases, many("postcode", raws), strict=True):
        outward, inward = postcode.split(" ")
        area = re.match(r"[A-Z]+", outward)
        district = re.match(r"[A-Z]+[0-9]+", outward)
        assert area is not None
        assert parts(rec) == (
            postcode, None, area.group(), outward,
            district.group() if district else outward, f"{outward} {inward[0]}",
        )  # fmt: skip


@examples(20)
@given(st.lists(st.text(max_size=10), min_size=1, max_size=25))
def test_any_text_is_a_postcode_or_flagged(raws: list[str]) -> None:
    for raw, rec in zip(raws, many("postcode", raws), strict=True):
        alnum = re.sub(r"[^A-Za-z0-9]", "", unicodedata.normalize("NFKC", raw))
        assert (rec.postcode is None) == (alnum == "")
        if rec.postcode is not None:
            assert rec.postcode.replace(" ", "") == alnum.upper()
        valid = rec.postcode is not None and re.fullmatch(POSTCODE_PATTERN, rec.postcode)
        blank = not raw.strip(WHITESPACE)
        assert rec.postcode_issue == (None if valid or blank else "invalid")
        derived = [rec.postcode_area, rec.postcode_outward, rec.postcode_district,
                   rec.postcode_sector]  # fmt: skip
        assert all(derived) if valid else derived == [None] * 4
