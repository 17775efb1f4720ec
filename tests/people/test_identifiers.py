"""NHS numbers (python-stdnum as the oracle), NI numbers and sex codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.gb import nhs

from accord.people import (
    SEX_VALUES,
    StandardisationOptions,
    StandardisedRecord,
    Standardiser,
    nhs_number_problem,
    standard_nhs_number,
)
from accord.people.sql import WHITESPACE
from tests.people.support import AS_OF, bulk, each, examples, many

# (raw, standard, issue)
NHS_NUMBERS = [
    ("9434765919", "9434765919", None),
    ("943 476 5919", "9434765919", None),
    ("943-476-5919", "9434765919", None),
    ("94 34 76 59 19", "9434765919", None),
    ("\t943 476 5919\r\n", "9434765919", None),
    ("943\u00a0476\u00a05919", "9434765919", None),
    ("4010232137", "4010232137", None),
    ("9434765918", "9434765918", "check_digit"),
    ("9434765910", "9434765910", "check_digit"),
    ("0000000000", "0000000000", "placeholder"),
    ("9999999999", "9999999999", "placeholder"),
    ("1111111111", "1111111111", "placeholder"),
    ("999 000 0018", "9990000018", "test_range"),
    ("9991234567", "9991234567", "test_range"),
    ("943476591", "943476591", "format"),
    ("94347659190", "94347659190", "format"),
    ("943476591A", "943476591A", "format"),
    ("943.476.5919", "943.476.5919", "format"),
    ("", None, None),
    ("  ", None, None),
    (None, None, None),
]


@pytest.fixture(scope="module")
def nhs_numbers() -> dict[str | None, StandardisedRecord]:
    return each("nhs_number", [c[0] for c in NHS_NUMBERS])


@pytest.mark.parametrize(
    ("raw", "standard", "issue"), NHS_NUMBERS, ids=[repr(c[0]) for c in NHS_NUMBERS]
)
def test_nhs_number(
    nhs_numbers: dict[str | None, StandardisedRecord],
    raw: str | None,
    standard: str | None,
    issue: str | None,
) -> None:
    rec = nhs_numbers[raw]
    # The cleaned form stays even when a check fails: a typo still helps find a near match.
    assert (rec.nhs_number, rec.nhs_number_issue, rec.nhs_number_raw) == (standard, issue, raw)


def with_separators(digits: str, cuts: list[int], sep: str) -> str:
    out, last = [], 0
    for cut in sorted(set(cuts)):
        out.append(digits[last:cut])
        last = cut
    return sep.join([*out, digits[last:]])


def valid_nhs(prefix: str) -> str:
    total = sum(int(d) * (10 - i) for i, d in enumerate(prefix))
    check = (11 - total % 11) % 11
    return prefix + str(check)


ten_digits = st.one_of(
    st.from_regex(r"[0-9]{10}", fullmatch=True),
    # Numbers valid by construction, so about half the examples pass the check.
    st.from_regex(r"[0-9]{9}", fullmatch=True).map(valid_nhs).filter(lambda n: len(n) == 10),
    st.sampled_from("0123456789").map(lambda d: d * 10),
)
written_nhs = st.builds(
    with_separators,
    ten_digits,
    st.lists(st.integers(1, 9), max_size=3),
    st.sampled_from(["", " ", "-", " - "]),
)


@examples(25)
@given(st.lists(written_nhs, min_size=1, max_size=25))
def test_nhs_check_digit_agrees_with_stdnum(raws: list[str]) -> None:
    for raw, rec in zip(raws, many("nhs_number", raws), strict=True):
        digits = raw.replace(" ", "").replace("-", "")
        assert rec.nhs_number == digits
        if digits == digits[0] * 10:
            assert rec.nhs_number_issue == "placeholder"
        elif digits.startswith("999"):
            assert rec.nhs_number_issue == "test_range"
        else:
            assert (rec.nhs_number_issue is None) == nhs.is_valid(raw), raw
            assert rec.nhs_number_issue in {None, "check_digit"}
        # One number typed by a person is judged by the same rules as the column.
        assert (nhs_number_problem(raw) is None) == (rec.nhs_number_issue is None), raw
        assert standard_nhs_number(raw) == rec.nhs_number, raw


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("943 476 5919", None),
        ("0000000000", "placeholder"),
        ("999 000 0018", "kept for testing"),
        ("9434765918", "check digit"),
        ("943476591", "not ten digits"),
        ("٩٤٣٤٧٦٥٩١٩", "not ten digits"),  # Arabic-Indic digits are not an NHS number
    ],
)
def test_a_typed_nhs_number_is_judged_by_the_column_rules(typed: str, problem: str | None) -> None:
    found = nhs_number_problem(typed)
    assert found is None if problem is None else problem in (found or "")


@examples(20)
@given(st.lists(st.text(max_size=14), min_size=1, max_size=25))
def test_any_text_is_an_nhs_number_or_says_why_not(raws: list[str]) -> None:
    for raw, rec in zip(raws, many("nhs_number", raws), strict=True):
        assert rec.nhs_number_issue in {None, "format", "placeholder", "check_digit"}
        if rec.nhs_number_issue is None and rec.nhs_number is not None:
            assert nhs.is_valid(rec.nhs_number)
        assert (rec.nhs_number is None) == (not raw.strip(WHITESPACE + "-"))
        assert standard_nhs_number(raw) == rec.nhs_number, repr(raw)


@examples(20)
@given(st.lists(st.text(alphabet="0123456789-x\u0663\x00" + WHITESPACE, max_size=16),
                min_size=1, max_size=25))  # fmt: skip
def test_one_number_in_python_is_the_number_the_bulk_query_stores(raws: list[str]) -> None:
    # A lookup standardises the number it is given in Python and compares it with the
    # snapshot's, which the bulk query made: the two must agree on any text.
    for raw, rec in zip(raws, many("nhs_number", raws), strict=True):
        assert standard_nhs_number(raw) == rec.nhs_number, repr(raw)
    assert standard_nhs_number(None) is None


# (raw, standard, issue)
NI_NUMBERS = [
    ("AB123456C", "AB123456C", None),
    ("ab 12 34 56 c", "AB123456C", None),
    ("AB-12-34-56-C", "AB123456C", None),
    ("AB 123456 C\t", "AB123456C", None),
    ("AB123456", "AB123456", None),
    ("OA123456A", "OA123456A", None),
    ("NA123456D", "NA123456D", None),
    ("DA123456A", "DA123456A", "invalid_prefix_or_suffix"),
    ("FA123456A", "FA123456A", "invalid_prefix_or_suffix"),
    ("IA123456A", "IA123456A", "invalid_prefix_or_suffix"),
    ("QA123456A", "QA123456A", "invalid_prefix_or_suffix"),
    ("UA123456A", "UA123456A", "invalid_prefix_or_suffix"),
    ("VA123456A", "VA123456A", "invalid_prefix_or_suffix"),
    ("AO123456A", "AO123456A", "invalid_prefix_or_suffix"),
    ("AD123456A", "AD123456A", "invalid_prefix_or_suffix"),
    ("BG123456A", "BG123456A", "invalid_prefix_or_suffix"),
    ("GB123456A", "GB123456A", "invalid_prefix_or_suffix"),
    ("KN123456A", "KN123456A", "invalid_prefix_or_suffix"),
    ("NK123456A", "NK123456A", "invalid_prefix_or_suffix"),
    ("NT123456A", "NT123456A", "invalid_prefix_or_suffix"),
    ("TN123456A", "TN123456A", "invalid_prefix_or_suffix"),
    ("ZZ123456A", "ZZ123456A", "invalid_prefix_or_suffix"),
    ("AB123456E", "AB123456E", "invalid_prefix_or_suffix"),
    ("A1234567", "A1234567", "format"),
    ("AB12345C", "AB12345C", "format"),
    ("AB123456CD", "AB123456CD", "format"),
    ("", None, None),
    (None, None, None),
]


@pytest.fixture(scope="module")
def ni_numbers() -> dict[str | None, StandardisedRecord]:
    return each("ni_number", [c[0] for c in NI_NUMBERS])


@pytest.mark.parametrize(
    ("raw", "standard", "issue"), NI_NUMBERS, ids=[repr(c[0]) for c in NI_NUMBERS]
)
def test_ni_number(
    ni_numbers: dict[str | None, StandardisedRecord],
    raw: str | None,
    standard: str | None,
    issue: str | None,
) -> None:
    rec = ni_numbers[raw]
    assert (rec.ni_number, rec.ni_number_issue, rec.ni_number_raw) == (standard, issue, raw)


def hmrc_allows(ni: str) -> bool:
    """HMRC's published rules, written out plainly as the oracle."""
    first, second, suffix = ni[0], ni[1], ni[8:]
    return (
        first not in "DFIQUV"
        and second not in "DFIOQUV"
        and ni[:2] not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
        and suffix in {"", "A", "B", "C", "D"}
    )


ni_shaped = st.tuples(
    st.from_regex(r"[A-Z]{2}", fullmatch=True),
    st.from_regex(r"[0-9]{6}", fullmatch=True),
    st.sampled_from(["", "A", "B", "C", "D", "E", "Z"]),
).map("".join)
written_ni = st.tuples(ni_shaped, st.booleans(), st.booleans()).map(
    lambda t: (
        (t[0].lower() if t[1] else t[0]) if not t[2]
        else " ".join([t[0][:2], t[0][2:4], t[0][4:6], t[0][6:8], t[0][8:]]).strip()
    )
)  # fmt: skip


@examples(20)
@given(st.lists(written_ni, min_size=1, max_size=25))
def test_ni_prefix_and_suffix_rules(raws: list[str]) -> None:
    for raw, rec in zip(raws, many("ni_number", raws), strict=True):
        clean = raw.replace(" ", "").upper()
        assert rec.ni_number == clean
        expected = None if hmrc_allows(clean) else "invalid_prefix_or_suffix"
        assert rec.ni_number_issue == expected, raw


# (raw, standard, issue)
SEX = [
    ("1", "male", None),
    ("2", "female", None),
    ("0", "not_known", None),
    ("9", "not_specified", None),
    ("M", "male", None),
    ("m", "male", None),
    ("F", "female", None),
    ("U", "not_known", None),
    ("Male", "male", None),
    ("FEMALE", "female", None),
    (" female ", "female", None),
    ("male\r", "male", None),
    ("Not Known", "not_known", None),
    ("Indeterminate", "not_specified", None),
    ("q", None, "unknown_code"),
    ("3", None, "unknown_code"),
    ("", None, None),
    (None, None, None),
]


@pytest.fixture(scope="module")
def sexes() -> dict[str | None, StandardisedRecord]:
    return each("sex", [c[0] for c in SEX])


@pytest.mark.parametrize(("raw", "standard", "issue"), SEX, ids=[repr(c[0]) for c in SEX])
def test_sex_default_codes(
    sexes: dict[str | None, StandardisedRecord],
    raw: str | None,
    standard: str | None,
    issue: str | None,
) -> None:
    rec = sexes[raw]
    assert (rec.sex, rec.sex_issue, rec.sex_raw) == (standard, issue, raw)


@pytest.mark.parametrize(
    ("raw", "standard", "issue"),
    [
        ("X", "not_specified", None),  # overrides the default X -> not_known
        ("x", "not_specified", None),  # source codes are case-insensitive too
        ("3", "female", None),
        ("BOY", "male", None),
        ("1", "male", None),  # defaults still apply to codes the mapping leaves out
        ("u", "not_known", None),
        ("q", None, "unknown_code"),
    ],
    ids=["override", "override lower", "new code", "new word", "default", "default letter",
         "unknown"],
)  # fmt: skip
def test_sex_mapping_codes_override_defaults(
    raw: str, standard: str | None, issue: str | None
) -> None:
    options = StandardisationOptions(
        as_of=AS_OF, sex_codes={"X": "not_specified", "3": "female", " Boy ": "male"}
    )
    [rec] = bulk(Standardiser(options, ["sex"]), [{"sex": raw}])
    assert (rec.sex, rec.sex_issue) == (standard, issue)


@examples(20)
@given(st.lists(st.one_of(st.text(max_size=8), st.sampled_from([c[0] or "" for c in SEX])),
                min_size=1, max_size=25))  # fmt: skip
def test_sex_is_canonical_or_flagged(raws: list[str]) -> None:
    for raw, rec in zip(raws, many("sex", raws), strict=True):
        assert rec.sex in {*SEX_VALUES, None}
        blank = not raw.strip(WHITESPACE)
        assert (rec.sex_issue == "unknown_code") == (rec.sex is None and not blank)
