"""Names: tidy, split a full name, strip titles and suffixes, fold, canonical nicknames.

Three forms of each part are made: the *accented* form (NFKC, lower case, apostrophes
and hyphens unified, accents kept: ``zoë``, ``o'brien``) kept for display, the *folded*
standard form used for comparison (``zoe``, ``obrien``, ``smith jones``), and, for the
given name, its canonical forms from the ``nicknames`` package (``bill`` ->
``[bill, robert, will, william, willis]``) as an extra field, never a replacement.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from functools import cache
from itertools import accumulate

import pyarrow as pa
import pyarrow.compute as pc

from accord.people.arrow import text_array
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
    # ASCII and the Latin-1 letters (À to ÿ) are NFKC already and no two of them compose,
    # so for such text (most names) the chain above only turns ` into ', and the Python
    # NFKC function is not called.
    unified = (
        rf"CASE WHEN regexp_full_match({expr}, '[\x00-\x7F\xC0-\xFF]*') "
        f"THEN replace({expr}, '`', '''') ELSE {unicode} END"
    )
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


def _unjoined(column: str) -> str:
    """Folded letters with apostrophes dropped and hyphens as spaces."""
    # ASCII without an apostrophe or hyphen, as most names are, is its own folded form.
    plain = (
        f"strlen({column}) = length({column}) AND NOT contains({column}, '''') "
        f"AND NOT contains({column}, '-')"
    )
    unjoined = f"replace(replace({fold_letters(column)}, '''', ''), '-', ' ')"
    return f"CASE WHEN {plain} THEN {column} ELSE {unjoined} END"


def _spaced(column: str) -> str:
    """Runs of spaces (left by "Smith - Jones", "Smith--Jones") as one, trimmed, or NULL.

    The regular expression runs only on the rare value that has such a run.
    """
    runs = f"trim(regexp_replace({column}, ' {{2,}}', ' ', 'g'))"
    return f"nullif(CASE WHEN contains({column}, '  ') THEN {runs} ELSE {_trim(column)} END, '')"


def _trim(column: str) -> str:
    """``trim(column)`` for text made by :func:`tidy`, whose only space is ``' '``.

    ``trim`` decodes every character in search of Unicode spaces; it runs only when an
    end is a space, the one character it could remove from tidy text.
    """
    return (
        f"CASE WHEN prefix({column}, ' ') OR suffix({column}, ' ') THEN trim({column}) "
        f"ELSE {column} END"
    )


_LEAD = lit(rf"^({_UPPER_RUN})\s+(\S*\p{{Ll}}.*)$")
_TRAIL = lit(rf"^(.*\p{{Ll}}\S*)\s+({_UPPER_RUN})$")
# "O' Brien" and "D' Arcy" written with a space: an elided particle, never an initial.
_PARTICLE = lit(rf"(?:^|\s)((?i:(?:{_PARTICLE_ALT}|[od]')\s+)*\S+)$")
# DuckDB's lower() (utf8proc's simple case mapping) makes these ASCII letters too.
_ALSO_LOWERS_TO = {"i": "\u0130", "k": "\u212a"}


def _spellings(words: Iterable[str]) -> str:
    """A regular expression for ``words`` in any case: exactly the text whose ``lower()``
    is one of them (RE2's ``(?i)`` folds differently: ``ſ`` matches ``s``)."""
    return "|".join(
        "".join(f"[{c}{c.upper()}{_ALSO_LOWERS_TO.get(c, '')}]" for c in word) for word in words
    )


def _first_word(words: Iterable[str]) -> str:
    """A pattern true when the first of two or more space-separated words is in ``words``."""
    return f"^(?:{_spellings(words)}) "


def _last_word(words: Iterable[str]) -> str:
    """A pattern true when the last of two or more space-separated words is in ``words``."""
    return f" (?:{_spellings(words)})$"


def _without_suffix(column: str) -> str:
    """Drop one trailing suffix word (Jr, OBE ...) when a name is left before it."""
    # The cheap test first: a single word has no suffix to drop.
    suffixed = f"contains({column}, ' ') AND regexp_matches({column}, {lit(_last_word(SUFFIXES))})"
    last = f"split_part({column}, ' ', -1)"
    return (
        f"nullif(CASE WHEN {suffixed} THEN trim(left({column}, length({column}) - length({last}))) "
        f"ELSE {_trim(column)} END, '')"
    )


def _title_split(plan: FieldPlan, stage: int, text: str, prefix: str) -> None:
    """``{prefix}_title`` (canonical) and ``{prefix}_rest`` (text without title or suffix),
    in stages ``stage`` to ``stage + 3``.

    A title is taken from the first word, else from the last (:data:`TRAILING_TITLES`),
    and only when a name is left, so a lone "Miss" stays a name. One match first finds
    the few values with any title or suffix; only they pay for the word-by-word tests.
    """
    marked = _first_word(TITLES) + "|" + _last_word((*TRAILING_TITLES, *SUFFIXES))
    plan.at(stage)[f"{prefix}_m"] = (
        f"contains({text}, ' ') AND regexp_matches({text}, {lit(marked)})"
    )
    first = f"lower(split_part({text}, ' ', 1))"
    last = f"lower(split_part({text}, ' ', -1))"
    s = plan.at(stage + 1)
    s[f"{prefix}_t"] = (
        f"CASE WHEN {prefix}_m AND regexp_matches({text}, {lit(_first_word(TITLES))}) "
        f"THEN {first} END"
    )
    s[f"{prefix}_tt"] = (
        f"CASE WHEN {prefix}_m AND regexp_matches({text}, {lit(_last_word(TRAILING_TITLES))}) "
        f"THEN {last} END"
    )
    nxt = plan.at(stage + 2)
    nxt[f"{prefix}_title"] = case_map(f"coalesce({prefix}_t, {prefix}_tt)", TITLES)
    nxt[f"{prefix}_untitled"] = f"""CASE
        WHEN {prefix}_t IS NOT NULL THEN trim(substr({text}, length({prefix}_t) + 2))
        WHEN {prefix}_tt IS NOT NULL THEN trim(left({text}, length({text}) - length({prefix}_tt)))
        ELSE {text} END"""
    # A stage of its own: the suffix test reads the untitled text several times. Unmarked
    # text has no title and no suffix, so it is its own untitled form.
    plan.at(stage + 3)[f"{prefix}_rest"] = (
        f"CASE WHEN {prefix}_m THEN {_without_suffix(f'{prefix}_untitled')} "
        f"ELSE nullif({_trim(text)}, '') END"
    )


def _first_token(column: str) -> str:
    first = f"CASE WHEN contains({column}, ' ') THEN split_part({column}, ' ', 1) ELSE {column} END"
    return f"nullif({first}, '')"


def _after_first_token(column: str) -> str:
    after = f"substr({column}, strpos({column}, ' ') + 1)"
    # The text after the first space has a space at an end only after a double space or
    # when the whole does.
    spaced = f"contains({column}, '  ') OR suffix({column}, ' ')"
    return (
        f"CASE WHEN contains({column}, ' ') THEN nullif(CASE WHEN {spaced} THEN trim({after}) "
        f"ELSE {after} END, '') END"
    )


# Stages of the name plan: the plain split and tidy text, the comma split (two stages),
# titles and suffixes (four), the family and given split (three), then the parts and
# their forms.
_TITLES_AT = 4
_SPLIT_AT = 8
_PARTS_AT = 11

_WORD = "[A-Za-z]+(?:[-'][A-Za-z]+)*"
# Most full names are plain: "FAMILY, Given Middle ..." in ASCII words, a one-word family
# name. For them the whole split below reduces to this one match's groups and, when the
# first given word is a title with a name after it, to the title and the words after
# it; unless the last given word may be a trailing title or a suffix (TRAIL_MARK), when
# _title_split is needed.
_PLAIN = lit(f"^({_WORD}), ({_WORD})(?: ({_WORD}(?: {_WORD})*))?$")
_TRAIL_MARK = lit(f"[^,] (?:{_spellings((*TRAILING_TITLES, *SUFFIXES))})$")


def _plain_split(plan: FieldPlan) -> dict[str, str]:
    """Stages 0 and 1 of a plain full name's split; returns its parts' expressions."""
    s0 = plan.at(0)
    s0["_full_x"] = f"regexp_extract(full_name, {_PLAIN}, ['f', 'g', 'm'])"
    s0["_full_tm"] = f"regexp_matches(full_name, {_TRAIL_MARK})"
    # A title only with a name after it, as _title_split takes it.
    title = lit(_spellings(TITLES))
    plan.at(1)["_full_lt"] = (
        f"CASE WHEN _full_x.m <> '' THEN regexp_full_match(_full_x.g, {title}) END"
    )
    g, m = "_full_x.g", "_full_x.m"
    after = f"CASE WHEN contains({m}, ' ') THEN substr({m}, strpos({m}, ' ') + 1) END"
    return {
        "_given_tidy": f"CASE WHEN _full_lt THEN split_part({m}, ' ', 1) ELSE nullif({g}, '') END",
        "_middle_tidy": f"CASE WHEN _full_lt THEN {after} ELSE nullif({m}, '') END",
        "_family_tidy": "nullif(_full_x.f, '')",
        "_title": f"CASE WHEN _full_lt THEN {case_map(f'lower({g})', TITLES)} END",
    }


def _split_full_name(plan: FieldPlan) -> None:
    """``FAMILY, Given`` / ``Given FAMILY`` / ``FAMILY Given`` / ``Given Middle Family``.

    Cheap tests (a comma, mixed case) decide which regular expressions a value needs.
    """
    plain = _plain_split(plan)
    # Plain names skip the general split: their tidy text is NULL, which costs nothing
    # to carry through it.
    plan.at(1)["_full_tidy"] = (
        "CASE WHEN _full_x.f <> '' AND NOT _full_tm THEN NULL "
        f"ELSE {tidy('full_name', keep_comma=True)} END"
    )
    s2 = plan.at(2)
    s2["_full_comma"] = "contains(_full_tidy, ',')"
    s2["_full_l"] = (
        "CASE WHEN contains(_full_tidy, ',') THEN left(_full_tidy, strpos(_full_tidy, ',') - 1) END"
    )
    # Without a comma strpos gives 0, and the right-hand side is the whole name.
    s2["_full_r"] = "substr(_full_tidy, strpos(_full_tidy, ',') + 1)"
    s3 = plan.at(3)
    s3["_full_lhs"] = _trim("_full_l")
    s3["_full_rhs"] = (
        "CASE WHEN contains(_full_r, ',') THEN trim(replace(_full_r, ',', ' ')) "
        f"ELSE {_trim('_full_r')} END"
    )
    _title_split(plan, _TITLES_AT, "_full_rhs", "_full")
    # "Mrs O'BRIEN, Zoë": the title may lead the family part instead.
    _title_split(plan, _TITLES_AT, "_full_lhs", "_lhs")
    _family_and_given(plan, "_full_rest")
    general = {
        "_given_tidy": _first_token("_full_given"),
        "_middle_tidy": _after_first_token("_full_given"),
        "_family_tidy": f"nullif({_trim('_full_family')}, '')",
        "_title": "coalesce(_full_title, _lhs_title)",
    }
    parts = plan.at(_PARTS_AT)
    # Tidy text is NULL for a plain name (its groups give the parts) and for a NULL or
    # blank one (its groups are empty, or NULL).
    for column, expr in general.items():
        parts[column] = f"CASE WHEN _full_tidy IS NULL THEN {plain[column]} ELSE {expr} END"
    # A full name must give two names; a source's separate columns are its own split.
    parts["_name_whole"] = "_full_tidy IS NOT NULL OR coalesce(_full_x.f <> '', false)"


def _family_and_given(plan: FieldPlan, bare: str) -> None:
    """``_full_family`` and ``_full_given`` from a full name without title or suffix."""
    mixed = f"{bare} <> upper({bare}) AND {bare} <> lower({bare})"
    s5 = plan.at(_SPLIT_AT)
    s5["_full_lead"] = (
        f"CASE WHEN NOT _full_comma AND {mixed} "
        f"THEN regexp_extract({bare}, {_LEAD}, ['f', 'g']) END"
    )
    s5["_full_trail"] = (
        f"CASE WHEN NOT _full_comma AND {mixed} "
        f"THEN regexp_extract({bare}, {_TRAIL}, ['g', 'f']) END"
    )
    s6 = plan.at(_SPLIT_AT + 1)
    s6["_full_family"] = f"""CASE
        WHEN _full_comma THEN _lhs_rest
        WHEN _full_lead.f <> '' THEN _full_lead.f
        WHEN _full_trail.f <> '' THEN _full_trail.f
        ELSE regexp_extract({bare}, {_PARTICLE}, 1) END"""
    s7 = plan.at(_SPLIT_AT + 2)
    s7["_full_given"] = f"""CASE
        WHEN _full_comma THEN {bare}
        WHEN _full_lead.f <> '' THEN _full_lead.g
        WHEN _full_trail.f <> '' THEN _full_trail.g
        ELSE nullif(trim(left({bare}, length({bare}) - length(_full_family))), '') END"""


def _separate_parts(plan: FieldPlan, present: frozenset[str]) -> None:
    """Given / middle / family columns: the given column's extra forenames go to middle."""
    s0, parts = plan.at(0), plan.at(_PARTS_AT)
    if "given_name" in present:
        s0["_given_col"] = tidy("given_name")
        _title_split(plan, _TITLES_AT, "_given_col", "_given")
        g, title = "_given_rest", "_given_title"
    else:
        g, title = "NULL", "NULL::VARCHAR"
    s0["_middle_col"] = tidy("middle_names") if "middle_names" in present else "NULL"
    s0["_family_col"] = tidy("family_name") if "family_name" in present else "NULL"
    parts["_given_tidy"] = _first_token(g)
    parts["_middle_tidy"] = (
        f"nullif(trim(concat_ws(' ', {_after_first_token(g)}, _middle_col)), '')"
    )
    parts["_family_tidy"] = _without_suffix("_family_col")
    parts["_title"] = title
    parts["_name_whole"] = "false"


def plan_names(present: frozenset[str]) -> FieldPlan:
    """SQL for every name output column, from whichever name columns were mapped."""
    plan = FieldPlan()
    if "full_name" in present:
        _split_full_name(plan)
    else:
        _separate_parts(plan, present)
    # One step per stage, so no sub-expression is computed twice.
    s9, s10, s11 = (plan.at(_PARTS_AT + k) for k in (1, 2, 3))
    final = plan.at(FINAL)
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
    final["given_name_canonical"] = nicknames_expr("_given_fold")
    return plan


def nicknames_expr(given_col: str) -> str:
    """The canonical forms of a folded given name: its nickname family, else itself."""
    return (
        f"CASE WHEN {given_col} IS NULL THEN NULL "
        f"ELSE coalesce(accord_nicknames({given_col}), [{given_col}]) END"
    )


@cache
def _nickname_table() -> tuple[pa.Array, pa.Array]:
    """Every name in the ``nicknames`` package, with its sorted canonical forms (and itself).

    The package's relation is noisy in both directions (it lists ``william`` as a
    nickname of ``bill``), so one canonical name cannot be chosen safely; the sorted set
    lets a comparison ask whether two names share any canonical form.
    """
    from nicknames import NickNamer

    lookup = NickNamer().canonical_lookup
    names = sorted(lookup)
    forms = [sorted(lookup[name] | {name}) for name in names]
    offsets = array("i", [0])
    offsets.extend(accumulate(len(f) for f in forms))
    lists = pa.ListArray.from_arrays(
        pa.Array.from_buffers(pa.int32(), len(offsets), [None, pa.py_buffer(offsets)]),
        text_array([c for f in forms for c in f]),
    )
    return text_array(names), lists


def canonical_nicknames(values: pa.Array) -> pa.Array:
    """DuckDB function body: each name's canonical forms, or null for a name not listed.

    A hash look-up inside Arrow rather than a join, so the standardisation query keeps
    the source's row order and needs no sort.
    """
    names, lists = _nickname_table()
    if names.type != values.type:
        names = names.cast(values.type)
    return lists.take(pc.index_in(values, value_set=names))


def phonetic_codes(values: pa.Array) -> pa.Array:
    """DuckDB function body: each name's Metaphone code (``catherine`` and ``kathryn``
    are both ``K0RN``), null for a null or a name with no letters it codes.

    Metaphone rather than Soundex: it keeps the first letter's sound, not its spelling,
    so a K and a C that sound alike agree. Computed by ``jellyfish``; callers make one
    call per distinct name, not per record.
    """
    import jellyfish

    codes = [None if v is None else (jellyfish.metaphone(v) or None) for v in values.to_pylist()]
    return text_array(codes)
