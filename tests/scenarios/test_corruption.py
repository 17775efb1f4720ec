"""The error model: each kind of error appears at about its rate, in the right shape, or never."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.scenarios import ErrorRates, Person
from accord.scenarios.corruption import (
    NICKNAMES,
    TITLES,
    UNUSABLE_PHONES,
    Corrupter,
    Recorded,
    digit_typo,
    phone_variant,
    postcode_variant,
    typo,
    year_typos,
)
from accord.scenarios.population import Population, is_valid_nhs_number, pools, strip_accents

AS_OF = date(2025, 6, 30)
RATE = 0.5
Check = Callable[[Person, Recorded], bool]


def always(person: Person, rec: Recorded) -> bool:
    return True


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: one transposition counts as one edit."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def squash(text: str) -> str:
    return text.replace(" ", "").upper()


def national(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    return "0" + digits[2:] if phone.startswith("+44") else digits


def adult_woman(p: Person, r: Recorded) -> bool:
    return p.sex == "female" and (AS_OF - p.date_of_birth).days >= 18 * 365


def swappable(p: Person, r: Recorded) -> bool:
    return p.date_of_birth.day <= 12 and p.date_of_birth.day != p.date_of_birth.month


def accented(p: Person, r: Recorded) -> bool:
    return not (p.given_name + p.middle_names + p.family_name).isascii()


def punctuated(p: Person, r: Recorded) -> bool:
    return "'" in p.family_name or "-" in p.family_name


def one_name_typo(p: Person, r: Recorded) -> bool:
    changed = [(a, b) for a, b in ((p.given_name, r.given_name), (p.family_name, r.family_name))]
    return sum(a != b for a, b in changed) == 1 and all(
        edit_distance(a, b) <= 1 for a, b in changed
    )


def year_typo(p: Person, r: Recorded) -> bool:
    old, new = p.date_of_birth, r.date_of_birth
    assert new is not None
    digits = sum(x != y for x, y in zip(f"{old.year}", f"{new.year}", strict=True))
    return (old.month, old.day) == (new.month, new.day) and digits == 1 and new <= AS_OF


@dataclass(frozen=True)
class Kind:
    rate: str
    organisation: str
    eligible: Check
    fired: Check
    sound: Check = always


KINDS = [
    Kind("nickname", "gp", lambda p, r: p.given_name in NICKNAMES,
         lambda p, r: r.given_name != p.given_name,
         lambda p, r: r.given_name in NICKNAMES[p.given_name]),
    Kind("name_typo", "council", always,
         lambda p, r: (r.given_name, r.family_name) != (p.given_name, p.family_name),
         one_name_typo),
    Kind("name_swap", "hospital", lambda p, r: p.given_name != p.family_name,
         lambda p, r: (r.given_name, r.family_name) == (p.family_name, p.given_name)),
    Kind("dob_day_month_swap", "gp", swappable,
         lambda p, r: r.date_of_birth != p.date_of_birth,
         lambda p, r: r.date_of_birth == date(p.date_of_birth.year, p.date_of_birth.day,
                                              p.date_of_birth.month)),
    Kind("dob_year_typo", "gp", always, lambda p, r: r.date_of_birth != p.date_of_birth,
         year_typo),
    Kind("married_name", "council", adult_woman, lambda p, r: r.family_name != p.family_name,
         lambda p, r: r.family_name in pools().family),
    Kind("moved_house", "hospital", always, lambda p, r: r.postcode != p.postcode,
         lambda p, r: bool(r.street and r.town)),
    Kind("nhs_missing", "hospital", always, lambda p, r: r.nhs_number == ""),
    Kind("council_nhs_missing", "council", always, lambda p, r: r.nhs_number == ""),
    Kind("nhs_typo", "gp", always, lambda p, r: r.nhs_number != p.nhs_number,
         lambda p, r: len(r.nhs_number) == 10 and edit_distance(p.nhs_number, r.nhs_number) == 1),
    Kind("accents_dropped", "gp", accented,
         lambda p, r: (r.given_name + r.middle_names + r.family_name).isascii()
         and r.family_name + r.given_name != p.family_name + p.given_name,
         lambda p, r: r.family_name == strip_accents(p.family_name)),
    Kind("punctuation_dropped", "council", punctuated,
         lambda p, r: r.family_name != p.family_name,
         lambda p, r: "'" not in r.family_name and "-" not in r.family_name
         and squash(r.family_name) == squash(p.family_name.replace("'", "").replace("-", ""))),
    Kind("postcode_format", "gp", always, lambda p, r: r.postcode != p.postcode,
         lambda p, r: squash(r.postcode) == squash(p.postcode)),
    Kind("phone_format", "council", always, lambda p, r: r.phone != p.phone,
         lambda p, r: national(r.phone) == national(p.phone)),
    Kind("ni_format", "council", always, lambda p, r: r.ni_number != p.ni_number,
         lambda p, r: squash(r.ni_number) == p.ni_number),
    Kind("title_prefix", "gp", lambda p, r: (AS_OF - p.date_of_birth).days >= 16 * 365,
         lambda p, r: r.title != "",
         lambda p, r: r.title in TITLES[p.sex]),
    Kind("address_newline", "gp", always, lambda p, r: r.address_newline),
    Kind("broken_row", "gp", always, lambda p, r: r.broken_row),
    Kind("phone_unusable", "council", lambda p, r: bool(p.phone),
         lambda p, r: r.phone in UNUSABLE_PHONES),
    Kind("missing_middle_names", "gp", lambda p, r: bool(p.middle_names),
         lambda p, r: r.middle_names != p.middle_names),
    Kind("missing_date_of_birth", "hospital", always, lambda p, r: r.date_of_birth is None),
    Kind("missing_sex", "council", always, lambda p, r: r.sex == ""),
    Kind("missing_postcode", "gp", always, lambda p, r: r.postcode == ""),
    Kind("missing_address", "council", always, lambda p, r: r.street == "",
         lambda p, r: not (r.flat or r.house_number or r.town)),
    Kind("missing_phone", "gp", always, lambda p, r: r.phone == ""),
    Kind("missing_email", "council", always, lambda p, r: r.email == ""),
    Kind("missing_ni_number", "council", always, lambda p, r: r.ni_number == ""),
]  # fmt: skip


@pytest.fixture(scope="module")
def people() -> list[Person]:
    """Enough people with accents, punctuation and nicknameable names to measure rates."""
    shape = ErrorRates(
        common_given_name=0.3,
        accented_given_name=0.2,
        accented_family_name=0.2,
        punctuated_family_name=0.3,
        middle_name=0.8,
        twins=0.0,
    )
    return list(Population(31, shape, AS_OF).people(800))


def corrupt(people: list[Person], organisation: str, rates: ErrorRates) -> list[Recorded]:
    corrupter = Corrupter(organisation, rates, random.Random(99), AS_OF)
    return [corrupter.record(person) for person in people]


def test_every_error_rate_has_a_check() -> None:
    assert {kind.rate for kind in KINDS} == set(ErrorRates.names("error"))


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.rate)
def test_error_appears_at_about_its_rate(people: list[Person], kind: Kind) -> None:
    rates = ErrorRates.without_errors(**{kind.rate: RATE})
    records = corrupt(people, kind.organisation, rates)
    eligible = [(p, r) for p, r in zip(people, records, strict=True) if kind.eligible(p, r)]
    fired = [(p, r) for p, r in eligible if kind.fired(p, r)]
    assert len(eligible) >= 80
    assert 0.35 < len(fired) / len(eligible) < 0.65
    assert all(kind.sound(p, r) for p, r in fired), [
        (p, r) for p, r in fired if not kind.sound(p, r)
    ][:3]
    for person, rec in zip(people, records, strict=True):
        if not kind.eligible(person, rec):
            assert not kind.fired(person, rec)
        assert rec.errors == ([kind.rate] if kind.fired(person, rec) else [])


@pytest.mark.parametrize("organisation", ["gp", "hospital", "council"])
def test_no_error_appears_when_every_rate_is_zero(people: list[Person], organisation: str) -> None:
    records = corrupt(people, organisation, ErrorRates.without_errors())
    for person, rec in zip(people, records, strict=True):
        assert rec == Recorded.of(person)
        assert not any(kind.fired(person, rec) for kind in KINDS)


def test_default_rates_give_a_mix_of_errors(people: list[Person]) -> None:
    records = corrupt(people, "gp", ErrorRates())
    kinds = {kind for rec in records for kind in rec.errors}
    assert {"nickname", "name_typo", "missing_email", "postcode_format"} <= kinds
    assert sum(not rec.errors for rec in records) > 100


def test_recorded_copies_every_true_field(people: list[Person]) -> None:
    rec = Recorded.of(people[0])
    shared = {f.name for f in fields(Person)} & {f.name for f in fields(Recorded)}
    assert all(getattr(rec, name) == getattr(people[0], name) for name in shared)


names = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=1, max_size=20)


@given(names, st.integers(0, 2**32))
def test_typo_is_one_edit_away(name: str, seed: int) -> None:
    slipped = typo(name, random.Random(seed))
    assert slipped != name
    assert edit_distance(name, slipped) == 1


@settings(deadline=None)  # a thousand typos a run: slow under load, never wrong
@given(st.integers(0, 2**32))
def test_nhs_typos_nearly_always_fail_the_check_digit(seed: int) -> None:
    people = Population(seed % 1000, ErrorRates(), AS_OF).people(50)
    rng = random.Random(seed)
    failures = [not is_valid_nhs_number(digit_typo(p.nhs_number, rng)) for p in people]
    assert sum(failures) >= 45


@given(st.integers(0, 2**32))
def test_format_variants_keep_the_value(seed: int) -> None:
    rng = random.Random(seed)
    assert squash(postcode_variant("LS6 2AB", rng)) == "LS62AB"
    assert national(phone_variant("07700 900123", rng)) == "07700900123"
    assert national(phone_variant("0113 496 0123", rng)) == "01134960123"


def test_year_typos_change_one_digit_and_stay_in_the_past() -> None:
    options = year_typos(date(1985, 3, 14), AS_OF)
    assert date(1995, 3, 14) in options
    assert date(1984, 3, 14) in options
    assert all(o <= AS_OF and o.replace(year=1985) == date(1985, 3, 14) for o in options)
    leap = year_typos(date(2020, 2, 29), AS_OF)
    assert date(2024, 2, 29) in leap
    assert all(o.year % 4 == 0 for o in leap)  # no 29 February in 2021, 2022, ...
