"""Phone numbers (phonenumbers as the oracle), email addresses and free-text addresses."""

from __future__ import annotations

import re
import string
import unicodedata

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.people import StandardisedRecord
from accord.people.contact import EMAIL_PATTERN
from accord.people.sql import WHITESPACE
from tests.people.support import each, examples, many

MOBILE = "+447400123456"
LEEDS = "+441134960123"
# (raw, phone, issue)
PHONES = [
    ("07400 123456", MOBILE, None),
    ("+44 7400 123456", MOBILE, None),
    ("0044 7400 123456", MOBILE, None),
    ("+44 (0)7400 123456", MOBILE, None),
    ("(+44) 7400 123456", MOBILE, None),
    ("447400123456", MOBILE, None),
    ("7400123456", MOBILE, None),
    ("07400 123456\r", MOBILE, None),
    ("tel: 07400 123456", MOBILE, None),
    ("07400 123456 ext 12", MOBILE, None),
    ("07400123456 x12", MOBILE, None),
    ("07400 123456 #12", MOBILE, None),
    ("(0113) 496 0123", LEEDS, None),
    ("+44 (0)113 496 0123", LEEDS, None),
    ("+44 113 496 0123", LEEDS, None),
    ("0113-496-0123", LEEDS, None),
    ("0800 123 4567", "+448001234567", None),
    ("07797 123456", "+447797123456", None),  # Jersey shares +44
    ("07624 123456", "+447624123456", None),  # Isle of Man
    ("+33 1 42 68 53 00", "+33142685300", None),
    ("0033 1 42 68 53 00", "+33142685300", None),
    ("+1 650 253 0000", "+16502530000", None),
    # Invalid UK numbers keep the +44 form phonenumbers would give them.
    ("07700 900123", "+447700900123", "invalid"),
    ("123", "+44123", "invalid"),
    ("+999 123", "+999123", "invalid"),
    ("+", "+", "invalid"),
    ("junk", None, "invalid"),
    ("n/a", None, "invalid"),
    ("", None, None),
    ("  ", None, None),
    (None, None, None),
]


@pytest.fixture(scope="module")
def phones() -> dict[str | None, StandardisedRecord]:
    return each("phone", [c[0] for c in PHONES])


@pytest.mark.parametrize(("raw", "phone", "issue"), PHONES, ids=[repr(c[0]) for c in PHONES])
def test_phone(
    phones: dict[str | None, StandardisedRecord],
    raw: str | None,
    phone: str | None,
    issue: str | None,
) -> None:
    rec = phones[raw]
    assert (rec.phone, rec.phone_issue, rec.phone_raw) == (phone, issue, raw)


# UK national significant numbers: mostly plausible ranges, some anything at all.
national = st.one_of(
    st.from_regex(r"7[1-9][0-9]{8}", fullmatch=True),
    st.from_regex(r"1[1-9][0-9]{8}", fullmatch=True),
    st.from_regex(r"1[1-9][0-9]{7}", fullmatch=True),
    st.from_regex(r"2[0-9]{9}", fullmatch=True),
    st.from_regex(r"[38][0-9]{9}", fullmatch=True),
    st.from_regex(r"[1-9][0-9]{8,9}", fullmatch=True),
)
WRITTEN = [
    lambda n: f"0{n[:4]} {n[4:]}",
    lambda n: f"0{n}",
    lambda n: f"+44 {n[:4]} {n[4:]}",
    lambda n: f"+44{n}",
    lambda n: f"0044 {n[:4]} {n[4:]}",
    lambda n: f"(0{n[:3]}) {n[3:6]} {n[6:]}",
    lambda n: f"+44 (0){n[:3]} {n[3:6]} {n[6:]}",
    lambda n: f"+44-{n[:3]}-{n[3:6]}-{n[6:]}",
    lambda n: f" 0{n[:4]}.{n[4:]}\t",
]


@examples(25)
@given(st.lists(st.tuples(national, st.integers(0, len(WRITTEN) - 1)), min_size=1, max_size=25))
def test_uk_numbers_agree_with_phonenumbers(cases: list[tuple[str, int]]) -> None:
    raws = [WRITTEN[how](n) for n, how in cases]
    for raw, rec in zip(raws, many("phone", raws), strict=True):
        parsed = phonenumbers.parse(raw, "GB")
        assert rec.phone == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert (rec.phone_issue is None) == phonenumbers.is_valid_number(parsed), raw


@examples(20)
@given(st.lists(st.text(max_size=16), min_size=1, max_size=25))
def test_any_text_is_a_phone_or_flagged(raws: list[str]) -> None:
    for raw, rec in zip(raws, many("phone", raws), strict=True):
        if not raw.strip(WHITESPACE):
            assert (rec.phone, rec.phone_issue) == (None, None)
        assert rec.phone_issue in {None, "invalid"}
        if rec.phone is not None:
            assert re.fullmatch(r"\+?[0-9]*", rec.phone), raw
        if rec.phone_issue is None and rec.phone is not None:
            assert phonenumbers.is_valid_number(phonenumbers.parse(rec.phone, None))


# (raw, email, issue)
EMAILS = [
    (" John.Smith@Example.COM ", "john.smith@example.com", None),
    ("jo@example.co.uk\r\n", "jo@example.co.uk", None),
    ("a+tag@sub.example.org", "a+tag@sub.example.org", None),
    ("o'brien@example.ie", "o'brien@example.ie", None),
    ("a@b", "a@b", "invalid"),
    ("not an email", "not an email", "invalid"),
    ("a b@c.com", "a b@c.com", "invalid"),
    ("@example.com", "@example.com", "invalid"),
    ("a@@example.com", "a@@example.com", "invalid"),
    ("x@-example.com", "x@-example.com", "invalid"),
    ("x@example..com", "x@example..com", "invalid"),
    ("zoë@example.com", "zoë@example.com", "invalid"),
    ("", None, None),
    (None, None, None),
]


@pytest.fixture(scope="module")
def emails() -> dict[str | None, StandardisedRecord]:
    return each("email", [c[0] for c in EMAILS])


@pytest.mark.parametrize(("raw", "email", "issue"), EMAILS, ids=[repr(c[0]) for c in EMAILS])
def test_email(
    emails: dict[str | None, StandardisedRecord],
    raw: str | None,
    email: str | None,
    issue: str | None,
) -> None:
    rec = emails[raw]
    assert (rec.email, rec.email_issue, rec.email_raw) == (email, issue, raw)


@examples(20)
@given(
    st.lists(
        st.tuples(st.emails(), st.sampled_from(["", " ", "\t", "\r\n"]), st.booleans()),
        min_size=1,
        max_size=25,
    )
)
def test_valid_emails_are_lower_cased_and_trimmed(cases: list[tuple[str, str, bool]]) -> None:
    raws = [f"{pad}{e.upper() if shout else e}{pad}" for e, pad, shout in cases]
    for (email, _, _), rec in zip(cases, many("email", raws), strict=True):
        assert (rec.email, rec.email_issue) == (email.lower(), None)


@examples(20)
@given(st.lists(st.text(alphabet=string.printable, max_size=20), min_size=1, max_size=25))
def test_any_ascii_text_is_an_email_or_flagged(raws: list[str]) -> None:
    for raw, rec in zip(raws, many("email", raws), strict=True):
        expected = raw.strip(WHITESPACE).lower() or None
        assert rec.email == expected
        valid = expected is None or re.fullmatch(EMAIL_PATTERN, expected)
        assert rec.email_issue == (None if valid else "invalid")


# (raw, address)
ADDRESSES = [
    ("12, High St.", "12 high st"),
    ("Flat 3/4 Rue de l'Église", "flat 3 4 rue de l eglise"),
    ("ＦＬＡＴ ３, Ｈｉｇｈ Ｓｔ", "flat 3 high st"),
    ("Straße 5", "strasse 5"),
    ("1 Æon Way", "1 aeon way"),
    ("Søndergade 3", "sondergade 3"),
    ("O'Connell St", "o connell st"),
    ("  10   Downing\tStreet\nLondon  ", "10 downing street london"),
    ("---", None),
    ("  ", None),
    (None, None),
]


@pytest.fixture(scope="module")
def addresses() -> dict[str | None, StandardisedRecord]:
    return each("address", [c[0] for c in ADDRESSES])


@pytest.mark.parametrize(("raw", "address"), ADDRESSES, ids=[repr(c[0]) for c in ADDRESSES])
def test_address(
    addresses: dict[str | None, StandardisedRecord], raw: str | None, address: str | None
) -> None:
    assert (addresses[raw].address, addresses[raw].address_raw) == (address, raw)


ODD = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th"}
LATIN = string.ascii_letters + string.digits + " ,.'/-&()#\t" + "éèêëàâäçîïôöûüñåøæœßÉÀÇÖÜÅØÆŒ"


def reference_address(raw: str) -> str | None:
    text = unicodedata.normalize("NFKC", raw).lower()
    text = "".join(ODD.get(c, c) for c in text)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split()) or None


@examples(20)
@given(st.lists(st.text(alphabet=LATIN, max_size=40), min_size=1, max_size=25))
def test_address_folds_like_the_reference(raws: list[str]) -> None:
    for raw, rec in zip(raws, many("address", raws), strict=True):
        assert rec.address == reference_address(raw), raw
