"""Names: tidy, split a full name, strip titles and suffixes, fold, canonical nicknames.

Three forms of each part are made: the *accented* form (NFKC, lower case, apostrophes
and hyphens unified, accents kept: ``zoë``, ``o'brien``) kept for display, the *folded*
standard form used for comparison (``zoe``, ``obrien``, ``smith jones``), and, for the
given name, its canonical forms from the ``nicknames`` package (``bill`` ->
``[bill, robert, will, william, willis]``) as an extra field, never a replacement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from accord.people.plan import FINAL, FieldPlan, ascii_or
from accord.people.sql import case_map, lit

NAME_PARTS = ("given_name", "middle_names", "family_name")

# Canonical title for each spelling seen at the start of a name.
TITLES: dict[str, str] = {
    "mr": "mr", "mrs": "mrs", "ms": "ms", "miss": "miss", "mx": "mx", "master": "master",
    "dr": "dr", "doctor": "dr", "prof": "prof", "professor": "prof",
    "rev": "rev", "revd": "rev", "reverend": "rev", "fr": "fr", "father": "fr",
    "sir": "sir", "dame": "dame", "lord": "lord", "lady": "lady",
    "capt": "capt", "captain": "capt", "col": "col", "colonel": "col",
    "cllr": "cllr", "councillor": "cllr", "hon": "hon",
}  # fmt: skip
# Titles that may also close a name ("SMITH, Jane (Mrs)"): none of them is a surname,
# unlike Lord, Master or Sir, so "John Lord" keeps its family name.
TRAILING_TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "revd", "cllr")
# Generational suffixes and honours at the end of a name. Short tokens that are also
# surnames or abbreviated forenames (Ma, Md, Ba) are deliberately absent.
SUFFIXES = (
    "jr", "jnr", "junior", "sr", "snr", "senior", "ii", "iii", "iv",
    "obe", "mbe", "cbe", "kbe", "dbe", "qc", "kc", "phd", "esq",
)  # fmt: skip
# Surname particles that belong to the family name in ``Given van der Berg``.
PARTICLES = (
    "van", "von", "de", "der", "den", "da", "di", "du", "del", "della",
    "la", "le", "st", "ter", "ten", "bin", "ap", "o", "mc", "mac",
)  # fmt: skip

_PARTICLE_ALT = "|".join(PARTICLES)
_UPPER_WORD = r"\p{Lu}[\p{Lu}'\-]+"
_UPPER_RUN = rf"{_UPPER_WORD}(?:\s+{_UPPER_WORD})*"


def tidy(expr: str, *, keep_comma: bool = False) -> str:
    """NFKC, unified apostrophes and hyphens, other punctuation as space, spaces collapsed.

    Case and accents are kept; ``keep_comma`` keeps the comma of ``FAMILY, Given``.
    """
    # Apostrophes are unified before NFKC, which would split an acute accent (´) into a
    # space and a bare combining mark; marks on no letter are dropped, else a lone mark
    # would make a word that folds to nothing.
    apostrophes = f"regexp_replace({expr}, '[’‘`´ʼ′]', '''', 'g')"
    hyphens = f"regexp_replace(accord_nfkc({apostrophes}), '[‐‑‒–—―]', '-', 'g')"
    unicode = rf"regexp_replace({hyphens}, '(^|[^\p{{L}}\p{{N}}\p{{M}}])\p{{M}}+', '\1', 'g')"
    unified = ascii_or(expr, unicode)
    comma = "," if keep_comma else ""
    spaced = rf"regexp_replace({unified}, '[^\p{{L}}\p{{M}}\p{{N}}''{comma}\-]+', ' ', 'g')"
    # A hyphen or apostrophe standing alone ("- John", "Smith - Jones") joins nothing, and
    # as a word of its own it would take the place of a name.
    alone = rf"regexp_replace({spaced}, '(^|\s)[\s''\-]*[''\-][\s''\-]*(\s|$)', ' ', 'g')"
    # Most names are already tidy: ASCII words joined by one space, hyphen or apostrophe
    # (or the comma of "FAMILY, Given"). One match, instead of the replacements above,
    # proves it.
    joint = "(?:, ?| |-|')" if keep_comma else "(?: |-|')"
    tidy_already = lit(f"[A-Za-z]+(?:{joint}[A-Za-z]+)*")
    return (
        f"CASE WHEN regexp_full_match({expr}, {tidy_already}) THEN {expr} "
        f"ELSE nullif(trim({alone}), '') END"
    )


def fold_letters(expr: str) -> str:
    """Lower-case text with accents folded and the letters no accent strip reaches
    (``ß``, ``æ``, ``ø``, ``ł`` ...) spelt in ASCII, as a UK register would write them."""
    unicode = (
        f"translate(replace(replace(replace(replace(strip_accents({expr}), 'ß', 'ss'), "
        "'æ', 'ae'), 'œ', 'oe'), 'þ', 'th'), 'øłđħıð', 'oldhid')"
    )
    return ascii_or(expr, unicode)


def fold(expr: str) -> str:
    """The comparison form of a tidy lower-case name: no accents, apostrophes or hyphens.

    After :func:`tidy` only letters, marks, digits, apostrophes, hyphens and single
    spaces remain, so plain replacements do most of the work; one regular expression
    collapses the runs a spaced or doubled hyphen leaves ("Smith - Jones", "Smith--Jones").
    """
    return _spaced(_unjoined(expr))


def _unjoined(expr: str) -> str:
    """Folded letters with apostrophes dropped and hyphens as spaces."""
    return f"replace(replace({fold_letters(expr)}, '''', ''), '-', ' ')"


def _spaced(expr: str) -> str:
    """Runs of spaces (left by "Smith - Jones", "Smith--Jones") as one, trimmed, or NULL.

    The regular expression runs only on the rare value that has such a run.
    """
    runs = (
        f"CASE WHEN contains({expr}, '  ') THEN regexp_replace({expr}, ' {{2,}}', ' ', 'g') "
        f"ELSE {expr} END"
    )
    return f"nullif(trim({runs}), '')"


_LEAD = lit(rf"^({_UPPER_RUN})\s+(\S*\p{{Ll}}.*)$")
_TRAIL = lit(rf"^(.*\p{{Ll}}\S*)\s+({_UPPER_RUN})$")
# "O' Brien" and "D' Arcy" written with a space: an elided particle, never an initial.
_PARTICLE = lit(rf"(?:^|\s)((?i:(?:{_PARTICLE_ALT}|[od]')\s+)*\S+)$")


def _in(expr: str, words: Iterable[str]) -> str:
    # A regular expression, not IN or list_contains: DuckDB plans a constant list as a
    # join per use, and matching one short word costs less than a join.
    return f"regexp_full_match({expr}, {lit('|'.join(re.escape(w) for w in words))})"


def _without_suffix(expr: str) -> str:
    """Drop one trailing suffix word (Jr, OBE ...) when a name is left before it."""
    last = f"lower(split_part({expr}, ' ', -1))"
    return (
        f"nullif(trim(CASE WHEN contains({expr}, ' ') AND {_in(last, SUFFIXES)} "
        f"THEN left({expr}, length({expr}) - length({last})) ELSE {expr} END), '')"
    )


def _title_split(plan: FieldPlan, stage: int, text: str, prefix: str) -> None:
    """``{prefix}_title`` (canonical) and ``{prefix}_rest`` (text without title or suffix).

    A title is taken from the first word, else from the last (:data:`TRAILING_TITLES`),
    and only when a name is left, so a lone "Miss" stays a name; the tests are word
    lookups, cheap enough for every row.
    """
    first = f"lower(split_part({text}, ' ', 1))"
    last = f"lower(split_part({text}, ' ', -1))"
    s = plan.at(stage)
    s[f"{prefix}_t"] = f"CASE WHEN contains({text}, ' ') AND {_in(first, TITLES)} THEN {first} END"
    s[f"{prefix}_tt"] = (
        f"CASE WHEN contains({text}, ' ') AND {_in(last, TRAILING_TITLES)} THEN {last} END"
    )
    nxt = plan.at(stage + 1)
    nxt[f"{prefix}_title"] = case_map(f"coalesce({prefix}_t, {prefix}_tt)", TITLES)
    nxt[f"{prefix}_untitled"] = f"""CASE
        WHEN {prefix}_t IS NOT NULL THEN trim(substr({text}, length({prefix}_t) + 2))
        WHEN {prefix}_tt IS NOT NULL THEN trim(left({text}, length({text}) - length({prefix}_tt)))
        ELSE {text} END"""
    # A stage of its own: the suffix test reads the untitled text several times.
    plan.at(stage + 2)[f"{prefix}_rest"] = _without_suffix(f"{prefix}_untitled")


def _first_token(expr: str) -> str:
    return f"nullif(split_part({expr}, ' ', 1), '')"


def _after_first_token(expr: str) -> str:
    return f"nullif(trim(substr({expr}, length(split_part({expr}, ' ', 1)) + 1)), '')"


def _split_full_name(plan: FieldPlan) -> None:
    """``FAMILY, Given`` / ``Given FAMILY`` / ``FAMILY Given`` / ``Given Middle Family``.

    Cheap tests (a comma, mixed case) decide which regular expressions a value needs.
    """
    plan.at(0)["_full_tidy"] = tidy("full_name", keep_comma=True)
    s1 = plan.at(1)
    s1["_full_comma"] = "contains(_full_tidy, ',')"
    s1["_full_lhs"] = (
        "CASE WHEN contains(_full_tidy, ',') THEN trim(split_part(_full_tidy, ',', 1)) END"
    )
    s1["_full_rhs"] = (
        "CASE WHEN contains(_full_tidy, ',') THEN trim(replace(substr("
        "_full_tidy, strpos(_full_tidy, ',') + 1), ',', ' ')) ELSE _full_tidy END"
    )
    _title_split(plan, 2, "_full_rhs", "_full")  # stages 2 to 4
    # "Mrs O'BRIEN, Zoë": the title may lead the family part instead.
    _title_split(plan, 2, "_full_lhs", "_lhs")
    _family_and_given(plan, "_full_rest")  # stages 5 to 7
    s8 = plan.at(8)
    s8["_given_tidy"] = _first_token("_full_given")
    s8["_middle_tidy"] = _after_first_token("_full_given")
    s8["_family_tidy"] = "nullif(trim(_full_family), '')"
    s8["_title"] = "coalesce(_full_title, _lhs_title)"
    # A full name must give two names; a source's separate columns are its own split.
    s8["_name_whole"] = "_full_tidy IS NOT NULL"


def _family_and_given(plan: FieldPlan, bare: str) -> None:
    """``_full_family`` and ``_full_given`` from a full name without title or suffix."""
    mixed = f"{bare} <> upper({bare}) AND {bare} <> lower({bare})"
    s5 = plan.at(5)
    s5["_full_lead"] = (
        f"CASE WHEN NOT _full_comma AND {mixed} "
        f"THEN regexp_extract({bare}, {_LEAD}, ['f', 'g']) END"
    )
    s5["_full_trail"] = (
        f"CASE WHEN NOT _full_comma AND {mixed} "
        f"THEN regexp_extract({bare}, {_TRAIL}, ['g', 'f']) END"
    )
    s6 = plan.at(6)
    s6["_full_family"] = f"""CASE
        WHEN _full_comma THEN _lhs_rest
        WHEN _full_lead.f <> '' THEN _full_lead.f
        WHEN _full_trail.f <> '' THEN _full_trail.f
        ELSE regexp_extract({bare}, {_PARTICLE}, 1) END"""
    s7 = plan.at(7)
    s7["_full_given"] = f"""CASE
        WHEN _full_comma THEN {bare}
        WHEN _full_lead.f <> '' THEN _full_lead.g
        WHEN _full_trail.f <> '' THEN _full_trail.g
        ELSE nullif(trim(left({bare}, length({bare}) - length(_full_family))), '') END"""


def _separate_parts(plan: FieldPlan, present: frozenset[str]) -> None:
    """Given / middle / family columns: the given column's extra forenames go to middle."""
    s0, s8 = plan.at(0), plan.at(8)
    if "given_name" in present:
        s0["_given_col"] = tidy("given_name")
        _title_split(plan, 2, "_given_col", "_given")
        g, title = "_given_rest", "_given_title"
    else:
        g, title = "NULL", "NULL::VARCHAR"
    s0["_middle_col"] = tidy("middle_names") if "middle_names" in present else "NULL"
    s0["_family_col"] = tidy("family_name") if "family_name" in present else "NULL"
    s8["_given_tidy"] = _first_token(g)
    s8["_middle_tidy"] = f"nullif(trim(concat_ws(' ', {_after_first_token(g)}, _middle_col)), '')"
    s8["_family_tidy"] = _without_suffix("_family_col")
    s8["_title"] = title
    s8["_name_whole"] = "false"


def plan_names(present: frozenset[str]) -> FieldPlan:
    """SQL for every name output column, from whichever name columns were mapped."""
    plan = FieldPlan()
    if "full_name" in present:
        _split_full_name(plan)
    else:
        _separate_parts(plan, present)
    # One step per stage, so no sub-expression is computed twice.
    s9, s10, s11, final = plan.at(9), plan.at(10), plan.at(11), plan.at(FINAL)
    for part, short in (("given_name", "given"), ("middle_names", "middle"),
                        ("family_name", "family")):  # fmt: skip
        s9[f"_{short}_acc"] = f"lower(_{short}_tidy)"
        s10[f"_{short}_unj"] = _unjoined(f"_{short}_acc")
        s11[f"_{short}_fold"] = _spaced(f"_{short}_unj")
        final[part] = f"_{short}_fold"
        final[f"{part}_accented"] = f"_{short}_acc"
        raw = part if part in present else "NULL"
        final[f"{part}_raw"] = f"{raw}::VARCHAR"
    # "O Brien" and "Mc Donald" are the same names as O'Brien and McDonald; a prefix test
    # keeps the regular expression off every other family name.
    prefixed = " OR ".join(f"_family_fold LIKE '{p} %'" for p in ("o", "d", "mc", "mac"))
    final["family_name"] = (
        f"CASE WHEN {prefixed} THEN regexp_replace(_family_fold, '^(o|d|mc|mac) (\\S)', "
        "'\\1\\2') ELSE _family_fold END"
    )
    final["full_name_raw"] = ("full_name" if "full_name" in present else "NULL") + "::VARCHAR"
    final["title"] = "_title"
    # Judged on the folded names, so "', John" (a family name of punctuation) is caught.
    final["name_issue"] = (
        "CASE WHEN _name_whole AND (_given_fold IS NULL OR _family_fold IS NULL) "
        "THEN 'single_token' END"
    )
    _join, final["given_name_canonical"] = nickname_join("_given_fold")
    return plan


NICKNAME_TABLE = "accord_nicknames"


def nickname_join(given_col: str) -> tuple[str, str]:
    """A LEFT JOIN clause to the nickname table and the canonical-forms expression."""
    join = f"LEFT JOIN {NICKNAME_TABLE} AS _nick ON _nick.name = {given_col}"
    expr = (
        f"CASE WHEN {given_col} IS NULL THEN NULL "
        f"ELSE coalesce(_nick.canonicals, [{given_col}]) END"
    )
    return join, expr


@cache
def nickname_table_sql() -> str:
    """SQL creating the temporary table of every name in the ``nicknames`` package with
    its sorted canonical forms (and itself).

    The package's relation is noisy in both directions (it lists ``william`` as a
    nickname of ``bill``), so one canonical name cannot be chosen safely; the sorted set
    lets a comparison ask whether two names share any canonical form. The table is built
    from one literal: building it through Arrow would import pandas, a second's start-up.
    """
    from nicknames import NickNamer

    lookup = NickNamer().canonical_lookup
    rows = ", ".join(
        f"({lit(name)}, [{', '.join(lit(c) for c in sorted(lookup[name] | {name}))}])"
        for name in sorted(lookup)
    )
    return (
        f"CREATE OR REPLACE TEMP TABLE {NICKNAME_TABLE} (name VARCHAR, canonicals VARCHAR[]); "
        f"INSERT INTO {NICKNAME_TABLE} VALUES {rows}"
    )
