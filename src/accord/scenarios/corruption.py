"""The error model: how an organisation's copy of a person drifts from the truth.

``Recorded`` is one organisation's copy, ``Corrupter`` makes it: it starts from
the true ``Person`` and runs a fixed list of steps, one per error kind, each of
which fires with its rate from ``ErrorRates`` on a seeded ``random.Random``.
Steps that only make sense for some records (nicknames need a name that has one,
day/month swaps a day of 12 or less) first check that, then draw, so each rate is
the chance for an eligible record.  The list of steps depends on the
organisation: only the GP puts titles in names, only the council holds NI numbers.

Kinds applied are kept on ``Recorded.errors`` (names match ``ErrorRates``
fields), so tests and benchmarks can count them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from accord.scenarios.models import ErrorRates, Person
from accord.scenarios.population import AddressDrawer, pools, strip_accents

NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will", "Billy"), "Robert": ("Bob", "Rob", "Bobby"),
    "Richard": ("Rich", "Richie", "Dick"), "James": ("Jim", "Jimmy", "Jamie"),
    "John": ("Jack", "Johnny"), "Michael": ("Mike", "Mick", "Micky"),
    "Thomas": ("Tom", "Tommy"), "Christopher": ("Chris", "Kit"),
    "Anthony": ("Tony", "Ant"), "Edward": ("Ed", "Eddie", "Ted", "Ned"),
    "Daniel": ("Dan", "Danny"), "David": ("Dave", "Davy"), "Matthew": ("Matt",),
    "Andrew": ("Andy", "Drew"), "Jonathan": ("Jon", "Jonny"), "Nicholas": ("Nick", "Nicky"),
    "Stephen": ("Steve",), "Steven": ("Steve",), "Peter": ("Pete",),
    "Benjamin": ("Ben", "Benny"), "Samuel": ("Sam", "Sammy"), "Joseph": ("Joe", "Joey"),
    "Alexander": ("Alex", "Sandy"), "Charles": ("Charlie", "Chas"), "Timothy": ("Tim",),
    "Philip": ("Phil",), "Gregory": ("Greg",), "Kenneth": ("Ken", "Kenny"),
    "Ronald": ("Ron", "Ronnie"), "Frederick": ("Fred", "Freddie"), "Henry": ("Harry", "Hal"),
    "Lawrence": ("Larry", "Laurie"), "Raymond": ("Ray",), "Terence": ("Terry", "Tel"),
    "Leonard": ("Len", "Lenny"), "Gerald": ("Gerry",), "Geoffrey": ("Geoff",),
    "Douglas": ("Doug", "Dougie"), "Patrick": ("Pat", "Paddy"), "Joshua": ("Josh",),
    "Francis": ("Frank",), "Donald": ("Don",), "Bernard": ("Bernie",), "Albert": ("Bert", "Al"),
    "Elizabeth": ("Liz", "Beth", "Betty", "Lizzie"), "Margaret": ("Maggie", "Peggy", "Meg"),
    "Catherine": ("Kate", "Cathy"), "Katherine": ("Kate", "Kathy", "Katie"),
    "Rebecca": ("Becky", "Becca"), "Jennifer": ("Jenny", "Jen"), "Victoria": ("Vicky", "Tori"),
    "Samantha": ("Sam", "Sammy"), "Alexandra": ("Alex", "Lexi"), "Deborah": ("Debbie", "Deb"),
    "Susan": ("Sue", "Susie"), "Patricia": ("Pat", "Trish"), "Josephine": ("Jo", "Josie"),
    "Christine": ("Chris", "Chrissie"), "Jacqueline": ("Jackie",), "Nicola": ("Nicky",),
    "Stephanie": ("Steph",), "Abigail": ("Abi", "Abby"), "Amanda": ("Mandy",),
    "Pamela": ("Pam",), "Dorothy": ("Dot", "Dotty"), "Kimberley": ("Kim",),
    "Gillian": ("Gill",), "Joanne": ("Jo",), "Sarah": ("Sally",), "Emma": ("Em",),
    "Eleanor": ("Ellie", "Nell"), "Harriet": ("Hattie",), "Frances": ("Fran",),
    "Charlotte": ("Lottie", "Charlie"), "Judith": ("Judy",), "Natasha": ("Tash",),
    "Georgina": ("Georgie",), "Caroline": ("Carrie",), "Valerie": ("Val",),
}  # fmt: skip
# What staff type when there is no number to type: none of these can be dialled.
UNUSABLE_PHONES = ("n/a", "0", "ex-directory", "0000 000000", "07", "none given")
TITLES = {"male": ("Mr", "Mr", "Mr", "Dr"), "female": ("Mrs", "Miss", "Ms", "Dr")}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ADULT_DAYS = 18 * 365
_TITLE_DAYS = 16 * 365
_ORGANISATION_STEPS: dict[str, tuple[str, ...]] = {
    "gp": ("title_prefix", "address_newline", "broken_row", "missing_middle_names",
           "missing_phone", "missing_email"),
    "hospital": (),
    "council": ("ni_format", "missing_ni_number", "missing_middle_names", "missing_phone",
                "missing_email"),
}  # fmt: skip
_COMMON_STEPS = (
    "married_name", "nickname", "accents_dropped", "punctuation_dropped", "name_typo",
    "name_swap", "dob_day_month_swap", "dob_year_typo", "moved_house", "nhs_missing",
    "nhs_typo", "postcode_format", "phone_format", "phone_unusable", "missing_date_of_birth",
    "missing_sex",
    "missing_postcode", "missing_address",
)  # fmt: skip


@dataclass(slots=True)
class Recorded:
    """One organisation's copy of a person; an empty string or None is not recorded."""

    given_name: str
    middle_names: str
    family_name: str
    date_of_birth: date | None
    sex: str
    nhs_number: str
    ni_number: str
    postcode: str
    flat: str
    house_number: str
    street: str
    town: str
    phone: str
    email: str
    person: Person
    title: str = ""
    address_newline: bool = False
    broken_row: bool = False
    errors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, person: Person) -> Recorded:
        """A faithful copy, before any error."""
        p = person
        return cls(
            p.given_name, p.middle_names, p.family_name, p.date_of_birth, p.sex,
            p.nhs_number, p.ni_number, p.postcode, p.flat, p.house_number, p.street,
            p.town, p.phone, p.email, p,
        )  # fmt: skip


Step = Callable[[Recorded], None]


class Corrupter:
    """Makes one organisation's records; give each organisation its own ``rng``."""

    def __init__(
        self, organisation: str, rates: ErrorRates, rng: random.Random, as_of: date
    ) -> None:
        self._rates = rates
        self._rng = rng
        self._as_of = as_of
        self._addresses = AddressDrawer(rates.flat)
        self._family_names = pools().family
        # Councils rarely hold NHS numbers, so they have a rate of their own.
        self._nhs_missing_kind = (
            "council_nhs_missing" if organisation == "council" else "nhs_missing"
        )
        self._nhs_missing_rate: float = getattr(rates, self._nhs_missing_kind)
        names = _COMMON_STEPS + _ORGANISATION_STEPS[organisation]
        self._steps: tuple[Step, ...] = tuple(getattr(self, f"_{n}") for n in names)

    def record(self, person: Person) -> Recorded:
        """This organisation's copy of ``person``."""
        rec = Recorded.of(person)
        for step in self._steps:
            step(rec)
        return rec

    def _age_days(self, person: Person) -> int:
        return self._as_of.toordinal() - person.date_of_birth.toordinal()

    def _fires(self, rec: Recorded, kind: str, rate: float) -> bool:
        if rate and self._rng.random() < rate:
            rec.errors.append(kind)
            return True
        return False

    # --- names --------------------------------------------------------------

    def _married_name(self, rec: Recorded) -> None:
        if rec.person.sex != "female" or self._age_days(rec.person) < _ADULT_DAYS:
            return
        if self._fires(rec, "married_name", self._rates.married_name):
            new = rec.family_name
            while new == rec.family_name:
                new = self._rng.choice(self._family_names)
            rec.family_name = new

    def _nickname(self, rec: Recorded) -> None:
        short = NICKNAMES.get(rec.given_name)
        if short and self._fires(rec, "nickname", self._rates.nickname):
            rec.given_name = self._rng.choice(short)

    def _accents_dropped(self, rec: Recorded) -> None:
        if (rec.given_name + rec.middle_names + rec.family_name).isascii():
            return
        if self._fires(rec, "accents_dropped", self._rates.accents_dropped):
            rec.given_name = strip_accents(rec.given_name)
            rec.middle_names = strip_accents(rec.middle_names)
            rec.family_name = strip_accents(rec.family_name)

    def _punctuation_dropped(self, rec: Recorded) -> None:
        name = rec.family_name
        if "'" not in name and "-" not in name:
            return
        if self._fires(rec, "punctuation_dropped", self._rates.punctuation_dropped):
            gap = self._rng.choice(("", " "))
            rec.family_name = name.replace("'", gap).replace("-", gap)

    def _name_typo(self, rec: Recorded) -> None:
        if self._fires(rec, "name_typo", self._rates.name_typo):
            if self._rng.random() < 0.5:
                rec.given_name = typo(rec.given_name, self._rng)
            else:
                rec.family_name = typo(rec.family_name, self._rng)

    def _name_swap(self, rec: Recorded) -> None:
        if self._fires(rec, "name_swap", self._rates.name_swap):
            rec.given_name, rec.family_name = rec.family_name, rec.given_name

    def _title_prefix(self, rec: Recorded) -> None:
        if self._age_days(rec.person) < _TITLE_DAYS:
            return
        if self._fires(rec, "title_prefix", self._rates.title_prefix):
            rec.title = self._rng.choice(TITLES[rec.person.sex])

    # --- dates of birth -------------------------------------------------------

    def _dob_day_month_swap(self, rec: Recorded) -> None:
        born = rec.date_of_birth
        if born is None or born.day > 12 or born.day == born.month:
            return
        if self._fires(rec, "dob_day_month_swap", self._rates.dob_day_month_swap):
            rec.date_of_birth = born.replace(month=born.day, day=born.month)

    def _dob_year_typo(self, rec: Recorded) -> None:
        born, rate = rec.date_of_birth, self._rates.dob_year_typo
        # Draw before listing the options: listing them is slow and rarely needed.
        if born is None or not rate or self._rng.random() >= rate:
            return
        options = year_typos(born, self._as_of)
        if options:
            rec.errors.append("dob_year_typo")
            rec.date_of_birth = self._rng.choice(options)

    # --- identifiers ------------------------------------------------------------

    def _nhs_missing(self, rec: Recorded) -> None:
        if self._fires(rec, self._nhs_missing_kind, self._nhs_missing_rate):
            rec.nhs_number = ""

    def _nhs_typo(self, rec: Recorded) -> None:
        if rec.nhs_number and self._fires(rec, "nhs_typo", self._rates.nhs_typo):
            rec.nhs_number = digit_typo(rec.nhs_number, self._rng)

    def _ni_format(self, rec: Recorded) -> None:
        if rec.ni_number and self._fires(rec, "ni_format", self._rates.ni_format):
            ni = rec.ni_number
            spaced = f"{ni[:2]} {ni[2:4]} {ni[4:6]} {ni[6:8]} {ni[8:]}"
            rec.ni_number = self._rng.choice((spaced, ni.lower(), spaced.lower()))

    def _missing_ni_number(self, rec: Recorded) -> None:
        if self._fires(rec, "missing_ni_number", self._rates.missing_ni_number):
            rec.ni_number = ""

    # --- address and contact ------------------------------------------------------

    def _moved_house(self, rec: Recorded) -> None:
        if self._fires(rec, "moved_house", self._rates.moved_house):
            new = self._addresses.draw(self._rng)
            while new.postcode == rec.postcode:
                new = self._addresses.draw(self._rng)
            rec.postcode, rec.flat, rec.house_number = new.postcode, new.flat, new.house_number
            rec.street, rec.town = new.street, new.town

    def _postcode_format(self, rec: Recorded) -> None:
        if rec.postcode and self._fires(rec, "postcode_format", self._rates.postcode_format):
            rec.postcode = postcode_variant(rec.postcode, self._rng)

    def _phone_format(self, rec: Recorded) -> None:
        if rec.phone and self._fires(rec, "phone_format", self._rates.phone_format):
            rec.phone = phone_variant(rec.phone, self._rng)

    def _broken_row(self, rec: Recorded) -> None:
        if rec.street and self._fires(rec, "broken_row", self._rates.broken_row):
            rec.broken_row = True

    def _phone_unusable(self, rec: Recorded) -> None:
        if rec.phone and self._fires(rec, "phone_unusable", self._rates.phone_unusable):
            rec.phone = self._rng.choice(UNUSABLE_PHONES)

    def _address_newline(self, rec: Recorded) -> None:
        if rec.street and self._fires(rec, "address_newline", self._rates.address_newline):
            rec.address_newline = True

    # --- missing values ----------------------------------------------------------------

    def _missing_middle_names(self, rec: Recorded) -> None:
        rate = self._rates.missing_middle_names
        if rec.middle_names and self._fires(rec, "missing_middle_names", rate):
            rec.middle_names = ""

    def _missing_date_of_birth(self, rec: Recorded) -> None:
        if self._fires(rec, "missing_date_of_birth", self._rates.missing_date_of_birth):
            rec.date_of_birth = None

    def _missing_sex(self, rec: Recorded) -> None:
        if self._fires(rec, "missing_sex", self._rates.missing_sex):
            rec.sex = ""

    def _missing_postcode(self, rec: Recorded) -> None:
        if self._fires(rec, "missing_postcode", self._rates.missing_postcode):
            rec.postcode = ""

    def _missing_address(self, rec: Recorded) -> None:
        if self._fires(rec, "missing_address", self._rates.missing_address):
            rec.flat = rec.house_number = rec.street = rec.town = ""
            rec.address_newline = False

    def _missing_phone(self, rec: Recorded) -> None:
        if self._fires(rec, "missing_phone", self._rates.missing_phone):
            rec.phone = ""

    def _missing_email(self, rec: Recorded) -> None:
        if self._fires(rec, "missing_email", self._rates.missing_email):
            rec.email = ""


# --- the individual mistakes, usable on their own ---------------------------------


def typo(name: str, rng: random.Random) -> str:
    """One keying slip: a letter substituted, deleted, inserted, or two swapped."""
    for _ in range(8):
        slip = _one_slip(name, rng)
        if slip != name and slip.strip():
            return slip
    return name + rng.choice(_LETTERS)


def _one_slip(name: str, rng: random.Random) -> str:
    kind = rng.randrange(4)
    at = rng.randrange(len(name)) if name else 0
    letter = rng.choice(_LETTERS)
    if at < len(name) and name[at].isupper():
        letter = letter.upper()
    if kind == 0 and name:
        return name[:at] + letter + name[at + 1 :]
    if kind == 1 and len(name) > 1:
        return name[:at] + name[at + 1 :]
    if kind == 2:
        return name[:at] + letter.lower() + name[at:]
    if len(name) > 1:
        at = min(at, len(name) - 2)
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    return name


def year_typos(born: date, as_of: date) -> list[date]:
    """Dates one digit away in the last two digits of the year, not in the future."""
    year = f"{born.year:04d}"
    options: list[date] = []
    for position in (2, 3):
        for digit in "0123456789":
            if digit == year[position]:
                continue
            new_year = int(year[:position] + digit + year[position + 1 :])
            try:
                candidate = born.replace(year=new_year)
            except ValueError:  # 29 February in a year that has none
                continue
            if candidate <= as_of:
                options.append(candidate)
    return options


def digit_typo(number: str, rng: random.Random) -> str:
    """One digit changed, or two different adjacent digits swapped."""
    at = rng.randrange(len(number) - 1)
    if rng.random() < 0.5 and number[at] != number[at + 1]:
        return number[:at] + number[at + 1] + number[at] + number[at + 2 :]
    at = rng.randrange(len(number))
    digit = rng.choice([d for d in "0123456789" if d != number[at]])
    return number[:at] + digit + number[at + 1 :]


def postcode_variant(postcode: str, rng: random.Random) -> str:
    """The same postcode keyed differently: ``ls62ab``, ``LS6  2AB``, ``LS62AB``."""
    outward, _, inward = postcode.partition(" ")
    return rng.choice(
        (
            f"{outward}{inward}".lower(),
            f"{outward}  {inward}",
            f"{outward}{inward}",
            f"{outward} {inward}".lower(),
        )
    )


def phone_variant(phone: str, rng: random.Random) -> str:
    """The same number keyed differently: ``+44 7700 900123``, ``07700900123``."""
    digits = phone.replace(" ", "")
    area, _, rest = phone.partition(" ")
    return rng.choice((f"+44 {phone[1:]}", digits, f"+44{digits[1:]}", f"({area}) {rest}"))
