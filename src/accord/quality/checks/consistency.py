"""Consistency: fields of one record, or records of one dataset, that contradict each other."""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import Field, field_validator
from typing_extensions import override

from accord.people import ident, lit
from accord.quality.checks.base import CheckContext, RowCheck, derived_column
from accord.quality.checks.registry import register_check
from accord.quality.models import Dimension

# Titles (as the people context writes them) that say which sex their holder records.
TITLE_SEX: dict[str, str] = {
    "mr": "male", "master": "male", "sir": "male", "lord": "male",
    "mrs": "female", "miss": "female", "ms": "female", "dame": "female", "lady": "female",
}  # fmt: skip

# The post town each UK postcode area is named after (Royal Mail), and the London areas.
POST_TOWNS: dict[str, tuple[str, ...]] = {
    "AB": ("aberdeen",), "AL": ("st albans",), "B": ("birmingham",), "BA": ("bath",),
    "BB": ("blackburn",), "BD": ("bradford",), "BH": ("bournemouth",), "BL": ("bolton",),
    "BN": ("brighton",), "BR": ("bromley",), "BS": ("bristol",), "BT": ("belfast",),
    "CA": ("carlisle",), "CB": ("cambridge",), "CF": ("cardiff",), "CH": ("chester",),
    "CM": ("chelmsford",), "CO": ("colchester",), "CR": ("croydon",), "CT": ("canterbury",),
    "CV": ("coventry",), "CW": ("crewe",), "DA": ("dartford",), "DD": ("dundee",),
    "DE": ("derby",), "DG": ("dumfries",), "DH": ("durham",), "DL": ("darlington",),
    "DN": ("doncaster",), "DT": ("dorchester",), "DY": ("dudley",), "E": ("london",),
    "EC": ("london",), "EH": ("edinburgh",), "EN": ("enfield",), "EX": ("exeter",),
    "FK": ("falkirk",), "FY": ("blackpool",), "G": ("glasgow",), "GL": ("gloucester",),
    "GU": ("guildford",), "HA": ("harrow",), "HD": ("huddersfield",), "HG": ("harrogate",),
    "HP": ("hemel hempstead",), "HR": ("hereford",), "HU": ("hull",), "HX": ("halifax",),
    "IG": ("ilford",), "IP": ("ipswich",), "IV": ("inverness",), "KA": ("kilmarnock",),
    "KT": ("kingston upon thames",), "KY": ("kirkcaldy",), "L": ("liverpool",),
    "LA": ("lancaster",), "LE": ("leicester",), "LN": ("lincoln",), "LS": ("leeds",),
    "LU": ("luton",), "M": ("manchester",), "ME": ("rochester",), "MK": ("milton keynes",),
    "ML": ("motherwell",), "N": ("london",), "NE": ("newcastle upon tyne",),
    "NG": ("nottingham",), "NN": ("northampton",), "NP": ("newport",), "NR": ("norwich",),
    "NW": ("london",), "OL": ("oldham",), "OX": ("oxford",), "PA": ("paisley",),
    "PE": ("peterborough",), "PH": ("perth",), "PL": ("plymouth",), "PO": ("portsmouth",),
    "PR": ("preston",), "RG": ("reading",), "RH": ("redhill",), "RM": ("romford",),
    "S": ("sheffield",), "SA": ("swansea",), "SE": ("london",), "SG": ("stevenage",),
    "SK": ("stockport",), "SL": ("slough",), "SM": ("sutton",), "SN": ("swindon",),
    "SO": ("southampton",), "SP": ("salisbury",), "SR": ("sunderland",),
    "SS": ("southend on sea",), "ST": ("stoke on trent",), "SW": ("london",),
    "SY": ("shrewsbury",), "TA": ("taunton",), "TD": ("galashiels",), "TF": ("telford",),
    "TN": ("tonbridge",), "TQ": ("torquay",), "TR": ("truro",), "TS": ("middlesbrough",),
    "TW": ("twickenham",), "UB": ("southall",), "W": ("london",), "WA": ("warrington",),
    "WC": ("london",), "WD": ("watford",), "WF": ("wakefield",), "WN": ("wigan",),
    "WR": ("worcester",), "WS": ("walsall",), "WV": ("wolverhampton",), "YO": ("york",),
}  # fmt: skip
# A postcode at the end of a standardised (lower-case, unpunctuated) address.
_TRAILING_POSTCODE = r"\s*[a-z]{1,2}[0-9][a-z0-9]?\s*[0-9][a-z]{2}$"


def _town_patterns(towns: list[str]) -> tuple[str, str]:
    """Patterns of a known town ending an address, and ending it before a postcode.

    Neither captures a group: RE2 then answers from its DFA alone, several times faster
    than when it must also say where a group matched.
    """
    alternation = "|".join(re.escape(t) for t in sorted(towns, key=len, reverse=True))
    at_end = f"(?:^| )(?:{alternation})"
    return f"{at_end}$", at_end + _TRAILING_POSTCODE


@register_check
class TitleSex(RowCheck):
    """Counts records with a title that implies a sex and a sex of male or female;
    a record whose sex is the other one fails."""

    type: Literal["title_sex"] = "title_sex"
    dimension: ClassVar[Dimension] = Dimension.CONSISTENCY

    @override
    def reads(self) -> tuple[str, ...]:
        return ("title", "sex")

    def _implied(self) -> str:
        """SQL: the sex the title implies, NULL for other titles."""
        arms = " ".join(f"WHEN {lit(t)} THEN {lit(s)}" for t, s in TITLE_SEX.items())
        return f"CASE title {arms} END"

    @override
    def derived(self, ctx: CheckContext) -> tuple[str, ...]:
        return (self._implied(),)

    @override
    def counted(self, ctx: CheckContext) -> str:
        return f"({derived_column(self._implied())} IS NOT NULL AND sex IN ('male', 'female'))"

    @override
    def failing(self, ctx: CheckContext) -> str:
        return f"{derived_column(self._implied())} <> sex"


@register_check
class PostcodeTown(RowCheck):
    """Counts records with a valid postcode whose address ends with a known post town;
    a record whose town is not one of its postcode area's fails."""

    type: Literal["postcode_town"] = "postcode_town"
    dimension: ClassVar[Dimension] = Dimension.CONSISTENCY
    towns: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="More post towns per postcode area (e.g. {LS: [otley, wetherby]}), "
        "added to the built-in town of each area.",
    )

    @field_validator("towns")
    @classmethod
    def _areas(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for area in value:
            if not re.fullmatch(r"[A-Z]{1,2}", area):
                raise ValueError(f"{area!r} is not a postcode area (one or two capitals)")
        return value

    @override
    def reads(self) -> tuple[str, ...]:
        return ("address", "postcode_area", "postcode_issue")

    def _town_areas(self) -> dict[str, set[str]]:
        """The postcode areas of each known town, folded as standardisation folds addresses."""
        areas: dict[str, set[str]] = {}
        for area, towns in [*POST_TOWNS.items(), *self.towns.items()]:
            for town in towns:
                folded = " ".join(re.sub(r"[^a-z0-9]+", " ", town.lower()).split())
                areas.setdefault(folded, set()).add(area)
        return areas

    @override
    def derived(self, ctx: CheckContext) -> tuple[str, ...]:
        """The known town ending the address (a trailing postcode ignored; NULL when none
        does: the patterns hold only known towns), and whether the postcode's area is
        one of its areas."""
        areas = self._town_areas()
        at_end, before_postcode = _town_patterns(list(areas))
        ending = f"regexp_extract(address, {lit(at_end)})"
        # Most addresses end with their town: only the others are searched again.
        stripped = (
            f"regexp_replace(regexp_extract(address, {lit(before_postcode)}), "
            f"{lit(_TRAILING_POSTCODE)}, '')"
        )
        end = derived_column(ending)
        town = f"nullif(ltrim(CASE WHEN {end} <> '' THEN {end} ELSE {stripped} END), '')"
        pairs = ", ".join(lit(f"{t}|{a}") for t, xs in sorted(areas.items()) for a in sorted(xs))
        return (ending, town, f"({derived_column(town)} || '|' || postcode_area) IN ({pairs})")

    @override
    def counted(self, ctx: CheckContext) -> str:
        town = derived_column(self.derived(ctx)[1])
        return f"(postcode_area IS NOT NULL AND postcode_issue IS NULL AND {town} IS NOT NULL)"

    @override
    def failing(self, ctx: CheckContext) -> str:
        return f"NOT {derived_column(self.derived(ctx)[2])}"


@register_check
class SharedNhsNumber(RowCheck):
    """Counts records with an NHS number; a record whose number is also on a record of a
    different person (by default: a different date of birth) fails."""

    type: Literal["shared_nhs_number"] = "shared_nhs_number"
    dimension: ClassVar[Dimension] = Dimension.CONSISTENCY
    column_key: ClassVar[str] = "differ_on"
    differ_on: tuple[str, ...] = Field(
        default=("date_of_birth",),
        min_length=1,
        description="Fields in which two records of one person cannot differ.",
    )

    @override
    def reads(self) -> tuple[str, ...]:
        return ("nhs_number", *self.differ_on)

    @override
    def counted(self, ctx: CheckContext) -> str:
        return "nhs_number IS NOT NULL"

    @override
    def failing(self, ctx: CheckContext) -> str:
        window = "OVER (PARTITION BY nhs_number)"
        return " OR ".join(
            f"min({ident(c)}) {window} <> max({ident(c)}) {window}" for c in self.differ_on
        )

    @override
    def count_query(self, ctx: CheckContext) -> str:
        differ = " OR ".join(f"min({ident(c)}) <> max({ident(c)})" for c in self.differ_on)
        return (
            "SELECT coalesce(sum(n), 0), coalesce(sum(n) FILTER (WHERE differ), 0) FROM "
            f"(SELECT count(*) AS n, ({differ}) AS differ FROM snapshot "
            "WHERE nhs_number IS NOT NULL GROUP BY nhs_number)"
        )
