"""The true population: people as they really are, before any system records them.

Organised as: the identifier rules (NHS and NI numbers, postcodes), the fixed
data lists (names from Faker's ``en_GB`` providers plus our own lists of the
names that trip up matching, and real UK postcode areas), the address and
contact drawers (shared with the error model, which moves people house), and
``Population``, which streams ``Person`` values for a seed.

Speed matters (a million people in seconds), so Faker is only read for its data
lists once; every draw is a ``random.Random`` call on a local tuple.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import random
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple, TypeVar

import phonenumbers

from accord.scenarios.models import ErrorRates, Person

# --- identifiers -------------------------------------------------------------

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# Real NHS numbers in England and Wales start 4, 6 or 7; rotating the first digit
# always turns an unissuable body (check digit 10) into an issuable one.
_NHS_LEADS = "467"
_NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NI_BANNED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
NI_PREFIXES: tuple[str, ...] = tuple(
    a + b for a in _NI_FIRST for b in _NI_SECOND if a + b not in _NI_BANNED
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
EARLIEST_BIRTH = date(1925, 1, 1)


def nhs_check_digit(body: str) -> int | None:
    """The mod-11 check digit for nine digits, or None if that body is never issued."""
    total = sum(map(operator.mul, map(int, body), _NHS_WEIGHTS))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def is_valid_nhs_number(value: str) -> bool:
    """True for ten digits whose last is the mod-11 check digit of the first nine."""
    if len(value) != 10 or not value.isdigit():
        return False
    return nhs_check_digit(value[:9]) == int(value[9])


def _feistel(value: int, half: int, keys: Sequence[int]) -> int:
    # A balanced Feistel network is a bijection on [0, half**2), so identifiers
    # come out unique without remembering the ones already issued.
    left, right = divmod(value, half)
    for key in keys:
        mixed = ((right + key) * 2654435761 + key) % 4294967291
        left, right = right, (left + mixed) % half
    return left * half + right


# --- fixed data lists --------------------------------------------------------

COMMON_FAMILY_NAMES = ("Smith", "Jones", "Williams", "Taylor", "Brown")
COMMON_GIVEN_NAMES = {"male": ("John", "David"), "female": ("Sarah", "Emma")}
ACCENTED_GIVEN_NAMES = {
    # Łukasz is not in cp1252: it exercises transliteration in the GP export.
    "male": ("Seán", "José", "Björn", "Dáithí", "Ciarán", "Łukasz", "Zoltán"),
    "female": ("Zoë", "Chloë", "Siân", "Renée", "Anaïs", "Noémie", "Róisín", "Siobhán"),
}
ACCENTED_FAMILY_NAMES = (
    "Brontë", "Müller", "Núñez", "Gonçalves", "Lefèvre", "Ó Súilleabháin",
    "Dvořák", "Şahin", "García", "Kovačević",
)  # fmt: skip
PUNCTUATED_FAMILY_NAMES = (
    "O'Brien", "O'Neill", "D'Souza", "O'Connor", "O'Sullivan", "Smith-Jones",
    "McDonald", "MacLeod", "McKenzie", "Bowes-Lyon", "Ap Rhys", "St John",
)  # fmt: skip
_UK_STREET_SUFFIXES = frozenset(
    ("Avenue", "Crescent", "Drive", "Gardens", "Grove", "Hill", "Lane", "Mews", "Park",
     "Place", "Road", "Row", "Square", "Street", "Terrace", "View", "Walk", "Way", "Green",
     "Court")
)  # fmt: skip
_STREET_SUFFIX_EXTRAS = ("Close", "Rise")
# Rough share of the UK population in each band of ten years of age, 0-9 first.
_AGE_BAND_WEIGHTS = (11.6, 11.7, 12.5, 13.4, 12.4, 13.4, 11.2, 8.7, 4.2, 0.9)


class Area(NamedTuple):
    """A real postcode area: its outward districts, post town and dialling code."""

    code: str
    districts: tuple[str, ...]
    town: str
    dialling: str
    weight: float


def _numbered(code: str, numbers: Sequence[int], extra: Sequence[str] = ()) -> tuple[str, ...]:
    return tuple(f"{code}{n}" for n in numbers) + tuple(extra)


AREAS: tuple[Area, ...] = (
    Area("LS", _numbered("LS", range(1, 30)), "Leeds", "0113", 8),
    Area("M", _numbered("M", [*range(1, 36), 38, 40, 41, 43, 44, 45, 46, 50, 90]),
         "Manchester", "0161", 10),
    Area("B", _numbered("B", range(1, 49)), "Birmingham", "0121", 11),
    Area("SW", _numbered("SW", range(2, 21), ["SW1A", "SW1E", "SW1P", "SW1V", "SW1W"]),
         "London", "020", 7),
    Area("EC", ("EC1A", "EC1M", "EC1V", "EC1Y", "EC2A", "EC2M", "EC3N", "EC4A", "EC4Y"),
         "London", "020", 1),
    Area("E", _numbered("E", range(1, 19)), "London", "020", 7),
    Area("N", _numbered("N", range(1, 23)), "London", "020", 6),
    Area("CF", _numbered("CF", [3, 5, 10, 11, 14, 15, 23, 24]), "Cardiff", "029", 4),
    Area("EH", _numbered("EH", range(1, 18)), "Edinburgh", "0131", 5),
    Area("G", _numbered("G", [*range(1, 6), *range(11, 16), *range(20, 24), *range(31, 35),
                              *range(40, 47), 51, 52, 53]), "Glasgow", "0141", 7),
    Area("BS", _numbered("BS", range(1, 17)), "Bristol", "0117", 5),
    Area("NE", _numbered("NE", [*range(1, 8), 12, 13, 15]), "Newcastle upon Tyne", "0191", 4),
    Area("S", _numbered("S", [*range(1, 15), 17, 20, 35]), "Sheffield", "0114", 5),
    Area("L", _numbered("L", range(1, 28)), "Liverpool", "0151", 5),
    Area("NG", _numbered("NG", range(1, 12)), "Nottingham", "0115", 4),
)  # fmt: skip


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


@dataclass(frozen=True, slots=True)
class Pools:
    """Every list a draw picks from, read once."""

    given: dict[str, tuple[str, ...]]
    family: tuple[str, ...]
    streets: tuple[str, ...]
    suffixes: tuple[str, ...]
    email_domains: tuple[str, ...]


@functools.cache
def pools() -> Pools:
    """The name, street and e-mail lists, from Faker's ``en_GB`` providers (imported
    here, on first use, not with the package)."""
    from faker.providers.address.en_GB import Provider as _FakerAddress
    from faker.providers.internet.en_GB import Provider as _FakerInternet
    from faker.providers.person.en_GB import Provider as _FakerPerson

    suffixes = [s for s in _FakerAddress.street_suffixes if s in _UK_STREET_SUFFIXES]
    return Pools(
        given={
            "male": _distinct(_FakerPerson.first_names_male),
            "female": _distinct(_FakerPerson.first_names_female),
        },
        family=_distinct(_FakerPerson.last_names),
        streets=_distinct([*_FakerPerson.last_names, "Church", "Mill", "Station", "Oak"]),
        suffixes=_distinct([*suffixes, *_STREET_SUFFIX_EXTRAS]),
        email_domains=_distinct(_FakerInternet.free_email_domains),
    )


# --- drawing ------------------------------------------------------------------

_T = TypeVar("_T")


def pick(rng: random.Random, items: Sequence[_T]) -> _T:
    """``rng.choice`` without its overhead: this runs millions of times a run."""
    return items[int(rng.random() * len(items))]


def below(rng: random.Random, n: int) -> int:
    """A whole number in ``[0, n)``, faster than ``rng.randrange``."""
    return int(rng.random() * n)


# --- text helpers ------------------------------------------------------------

_NO_DECOMPOSITION = str.maketrans(
    {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "ß": "ss",
     "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "ı": "i"}
)  # fmt: skip


def strip_accents(text: str) -> str:
    """``Zoë`` -> ``Zoe``, ``Łukasz`` -> ``Lukasz``: plain letters for each letter."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- addresses and contact details ---------------------------------------------


class Address(NamedTuple):
    """Where someone lives."""

    postcode: str
    flat: str
    house_number: str
    street: str
    town: str
    dialling: str


class AddressDrawer:
    """Draws format-valid UK addresses; the error model uses it for house moves."""

    def __init__(self, flat_rate: float) -> None:
        self._flat_rate = flat_rate
        self._cumulative = tuple(itertools.accumulate(a.weight for a in AREAS))
        self._streets = pools().streets
        self._suffixes = pools().suffixes

    def draw(self, rng: random.Random) -> Address:
        """A new address somewhere in the covered areas."""
        area = AREAS[bisect.bisect(self._cumulative, rng.random() * self._cumulative[-1])]
        outward = pick(rng, area.districts)
        letters = INWARD_LETTERS
        inward = f"{below(rng, 10)}{pick(rng, letters)}{pick(rng, letters)}"
        flat = f"Flat {1 + below(rng, 24)}" if rng.random() < self._flat_rate else ""
        # House numbers crowd towards the low end, as on real streets.
        house = str(1 + int(rng.random() ** 2 * 240))
        street = f"{pick(rng, self._streets)} {pick(rng, self._suffixes)}"
        return Address(f"{outward} {inward}", flat, house, street, area.town, area.dialling)


def draw_mobile(rng: random.Random) -> str:
    """A UK mobile number that ``phonenumbers`` accepts, such as ``07912 345678``."""
    while True:
        number = f"07{400 + below(rng, 600)} {below(rng, 1_000_000):06d}"
        if _dialable(number[:8]):
            return number


@functools.cache
def _dialable(prefix: str) -> bool:
    """Whether numbers starting with ``prefix`` (the first digits, as dialled) are valid in GB.

    Ofcom leaves some ranges unallocated and keeps others for drama; phonenumbers knows
    which, and validity is settled by the first seven digits in every range drawn here.
    """
    digits = prefix.replace(" ", "")
    number = phonenumbers.parse(digits + "0" * (11 - len(digits)), "GB")
    return bool(phonenumbers.is_valid_number(number))


def draw_phone(rng: random.Random, dialling: str) -> str:
    """A UK number: mostly mobiles, else a landline in the address's area."""
    if rng.random() < 0.7:
        return draw_mobile(rng)
    while True:
        if len(dialling) == 3:
            # 020 and 029 have eight-digit local numbers; London's start 3, 7 or 8.
            lead = pick(rng, "378") if dialling == "020" else "2"
            number = f"{dialling} {lead}{below(rng, 1000):03d} {below(rng, 10000):04d}"
        else:
            number = f"{dialling} {200 + below(rng, 700)} {below(rng, 10000):04d}"
        if _dialable(number.replace(" ", "")[:8]):
            return number


def draw_email(rng: random.Random, given: str, family: str, domains: Sequence[str]) -> str:
    """An address built the ways people build them from their own names."""
    first = "".join(c for c in strip_accents(given).lower() if c.isalnum())
    last = "".join(c for c in strip_accents(family).lower() if c.isalnum())
    style = below(rng, 4)
    if style == 0:
        local = f"{first}.{last}"
    elif style == 1:
        local = f"{first[:1]}{last}{1 + below(rng, 99)}"
    elif style == 2:
        local = f"{first}_{last}"
    else:
        local = f"{first}{1950 + below(rng, 66)}"
    return f"{local}@{pick(rng, domains)}"


# --- the population ---------------------------------------------------------------


class Population:
    """Streams the people of one seed; the same seed always gives the same people."""

    def __init__(self, seed: int, rates: ErrorRates, as_of: date) -> None:
        # Reproducible synthetic data, not secrets: a seeded Mersenne Twister is right.
        self._rng = random.Random(f"accord.population:{seed}")  # noqa: S311
        key_rng = random.Random(f"accord.identifiers:{seed}")  # noqa: S311
        self._nhs_keys = tuple(key_rng.randrange(1 << 30) for _ in range(4))
        self._ni_keys = tuple(key_rng.randrange(1 << 30) for _ in range(4))
        self._ni_offset = tuple(key_rng.randrange(1 << 30) for _ in range(3))
        self._rates = rates
        self._as_of = as_of.toordinal()
        self._pools = pools()
        self._addresses = AddressDrawer(rates.flat)
        self._ages = tuple(itertools.accumulate(_AGE_BAND_WEIGHTS))

    def people(self, count: int) -> Iterator[Person]:
        """``count`` people, twins next to each other, ids ``P0000001`` upwards."""
        width = max(7, len(str(count)))
        index = 0
        while index < count:
            person = self._person(index, width)
            if index + 1 < count and self._rng.random() < self._rates.twins:
                twin = self._twin(person, index + 1, width)
                yield _with_twin(person, twin.person_id)
                yield twin
                index += 2
            else:
                yield person
                index += 1

    def _person(self, index: int, width: int) -> Person:
        rng = self._rng
        sex: str = "male" if rng.random() < 0.49 else "female"
        given = self._given(sex)
        family = self._family()
        where = self._addresses.draw(rng)
        return Person(
            person_id=f"P{index + 1:0{width}d}",
            given_name=given,
            middle_names=self._middle(sex, given),
            family_name=family,
            date_of_birth=self._birth_date(),
            sex="male" if sex == "male" else "female",
            nhs_number=self._nhs_number(index),
            ni_number=self._ni_number(index),
            postcode=where.postcode,
            flat=where.flat,
            house_number=where.house_number,
            street=where.street,
            town=where.town,
            phone=draw_phone(rng, where.dialling),
            email=draw_email(rng, given, family, self._pools.email_domains),
        )

    def _twin(self, sibling: Person, index: int, width: int) -> Person:
        rng = self._rng
        sex: str = "male" if rng.random() < 0.5 else "female"
        given = sibling.given_name
        while given == sibling.given_name:
            given = self._given(sex)
        family = sibling.family_name
        return Person(
            person_id=f"P{index + 1:0{width}d}",
            given_name=given,
            middle_names=self._middle(sex, given),
            family_name=family,
            date_of_birth=sibling.date_of_birth,
            sex="male" if sex == "male" else "female",
            nhs_number=self._nhs_number(index),
            ni_number=self._ni_number(index),
            postcode=sibling.postcode,
            flat=sibling.flat,
            house_number=sibling.house_number,
            street=sibling.street,
            town=sibling.town,
            # Twins living together share the landline but not a mobile.
            phone=sibling.phone if sibling.phone[:2] != "07" else draw_mobile(rng),
            email=draw_email(rng, given, family, self._pools.email_domains),
            twin_of=sibling.person_id,
        )

    def _given(self, sex: str) -> str:
        rng, rates = self._rng, self._rates
        draw = rng.random()
        if draw < rates.common_given_name:
            return pick(rng, COMMON_GIVEN_NAMES[sex])
        if draw < rates.common_given_name + rates.accented_given_name:
            return pick(rng, ACCENTED_GIVEN_NAMES[sex])
        return pick(rng, self._pools.given[sex])

    def _middle(self, sex: str, given: str) -> str:
        rng, rates = self._rng, self._rates
        if rng.random() >= rates.middle_name:
            return ""
        names = [pick(rng, self._pools.given[sex])]
        if rng.random() < rates.second_middle_name:
            names.append(pick(rng, self._pools.given[sex]))
        return " ".join(n for n in dict.fromkeys(names) if n != given)

    def _family(self) -> str:
        rng, rates = self._rng, self._rates
        draw = rng.random()
        if draw < rates.common_family_name:
            return pick(rng, COMMON_FAMILY_NAMES)
        draw -= rates.common_family_name
        if draw < rates.accented_family_name:
            return pick(rng, ACCENTED_FAMILY_NAMES)
        draw -= rates.accented_family_name
        if draw < rates.punctuated_family_name:
            if rng.random() < 0.5:
                return pick(rng, PUNCTUATED_FAMILY_NAMES)
            return f"{pick(rng, self._pools.family)}-{pick(rng, self._pools.family)}"
        return pick(rng, self._pools.family)

    def _birth_date(self) -> date:
        rng = self._rng
        band = bisect.bisect(self._ages, rng.random() * self._ages[-1])
        age_days = int((band + rng.random()) * 3652.5)
        return date.fromordinal(max(self._as_of - age_days, EARLIEST_BIRTH.toordinal()))

    def _nhs_number(self, index: int) -> str:
        digits = f"{_feistel(index % 100_000_000, 10_000, self._nhs_keys):08d}"
        lead = below(self._rng, len(_NHS_LEADS))
        while True:
            body = _NHS_LEADS[lead] + digits
            check = nhs_check_digit(body)
            if check is not None:
                return f"{body}{check}"
            lead = (lead + 1) % len(_NHS_LEADS)

    def _ni_number(self, index: int) -> str:
        block, within = divmod(index, 1_000_000)
        digits = _feistel(within, 1_000, self._ni_keys)
        # The prefix varies person to person, yet (prefix, digits) never repeats:
        # within a block the digits are unique, across blocks the prefix differs.
        prefix = (_feistel(within, 1_000, self._ni_offset) + block) % len(NI_PREFIXES)
        return f"{NI_PREFIXES[prefix]}{digits:06d}{pick(self._rng, 'ABCD')}"


def _with_twin(person: Person, twin_id: str) -> Person:
    return replace(person, twin_of=twin_id)
