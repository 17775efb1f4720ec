"""Names: NFKC, folding, apostrophes and hyphens, titles, splitting, nicknames."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.people import StandardisedRecord, prepare
from accord.people.names import PARTICLES, SUFFIXES, TITLES
from tests.people.support import bulk, each, examples, many, standardiser

# (full name, title, given, middle, family)
FULL_NAMES = [
    ("O'BRIEN, Mrs Zoë Anne", "mrs", "zoe", "anne", "obrien"),
    ("SMITH, John", None, "john", None, "smith"),
    ("Smith, John Paul George", None, "john", "paul george", "smith"),
    ("SMITH Jr, John", None, "john", None, "smith"),
    ("SMITH, Dr John", "dr", "john", None, "smith"),
    ("John Paul Smith", None, "john", "paul", "smith"),
    ("john paul smith", None, "john", "paul", "smith"),
    ("JOHN PAUL SMITH", None, "john", "paul", "smith"),
    ("SMITH John Paul", None, "john", "paul", "smith"),
    ("O'BRIEN Zoë", None, "zoe", None, "obrien"),
    ("John Paul SMITH", None, "john", "paul", "smith"),
    ("Mary Ann SMITH-JONES", None, "mary", "ann", "smith jones"),
    ("DE LA CRUZ Maria", None, "maria", None, "de la cruz"),
    ("Maria de la Cruz", None, "maria", None, "de la cruz"),
    ("Jan van der Berg", None, "jan", None, "van der berg"),
    ("van der Berg, Jan", None, "jan", None, "van der berg"),
    ("Mary O Brien", None, "mary", None, "obrien"),
    ("Mary O’Brien", None, "mary", None, "obrien"),
    ("Dr John Smith Jr", "dr", "john", None, "smith"),
    ("Prof. Mary Smith OBE", "prof", "mary", None, "smith"),
    ("Mr. John O'Brien", "mr", "john", None, "obrien"),
    ("Professor Ann Jones PhD", "prof", "ann", None, "jones"),
    ("ＪＯＨＮ ＳＭＩＴＨ", None, "john", None, "smith"),
    ("ﬁona smith", None, "fiona", None, "smith"),
    ("  John   Smith  ", None, "john", None, "smith"),
    ("Mrs O'BRIEN, Zoë", "mrs", "zoe", None, "obrien"),
    ("Dr SMITH, John", "dr", "john", None, "smith"),
    ("SMITH, Jane (Mrs)", "mrs", "jane", None, "smith"),
    ("Jane SMITH (Mrs)", "mrs", "jane", None, "smith"),
    ("Jane Smith Mrs", "mrs", "jane", None, "smith"),
    # Lord, Sir and Master are surnames too: only a leading one is a title.
    ("John Lord", None, "john", None, "lord"),
    ("LORD, John", None, "john", None, "lord"),
    # A hyphen or apostrophe on its own is no name.
    ("- John Smith", None, "john", None, "smith"),
    ("SMITH, - John", None, "john", None, "smith"),
    ("Mary O' Brien", None, "mary", None, "obrien"),
    ("Mary D' Arcy", None, "mary", None, "darcy"),
    ("Mary O' BRIEN", None, "mary", None, "obrien"),
    ("\u0301John Smith", None, "john", None, "smith"),  # a combining mark on no letter
]


# (full name, title, given, family)
SINGLE_TOKENS = [
    ("Madonna", None, None, "madonna"),
    ("Mr Smith", "mr", None, "smith"),
    # A lone title is the only name there is, so it stays a name.
    ("Miss", None, None, "miss"),
    ("Smith Jr", None, None, "smith"),
    ("SMITH,", None, None, "smith"),
    (", John", None, "john", None),
    ("', John", None, "john", None),
]


@pytest.fixture(scope="module")
def full() -> dict[str | None, StandardisedRecord]:
    return each("full_name", [c[0] for c in FULL_NAMES] + [c[0] for c in SINGLE_TOKENS])


@pytest.mark.parametrize(
    ("full_name", "title", "given", "middle", "family"), FULL_NAMES, ids=[c[0] for c in FULL_NAMES]
)
def test_full_name_is_split(
    full: dict[str | None, StandardisedRecord],
    full_name: str,
    title: str | None,
    given: str,
    middle: str | None,
    family: str,
) -> None:
    rec = full[full_name]
    assert (rec.title, rec.given_name, rec.middle_names, rec.family_name) == (
        title, given, middle, family,
    )  # fmt: skip
    assert rec.name_issue is None
    assert rec.full_name_raw == full_name
    assert rec.given_name_raw is None


@pytest.mark.parametrize(
    ("full_name", "title", "given", "family"),
    SINGLE_TOKENS,
    ids=["one word", "title and one word", "lone title", "one word and suffix", "no given",
         "no family", "punctuation family"],
)  # fmt: skip
def test_single_token_full_name_is_flagged(
    full: dict[str | None, StandardisedRecord],
    full_name: str,
    title: str | None,
    given: str | None,
    family: str | None,
) -> None:
    rec = full[full_name]
    assert (rec.title, rec.given_name, rec.middle_names, rec.family_name) == (
        title, given, None, family,
    )  # fmt: skip
    assert rec.name_issue == "single_token"


# (given column, middle column, family column, title, given, middle, family)
SEPARATE = [
    ("John", None, "Smith", None, "john", None, "smith"),
    ("John Paul", "George", "Smith", None, "john", "paul george", "smith"),
    ("John Paul", None, "Smith", None, "john", "paul", "smith"),
    ("Mr John", None, "Smith", "mr", "john", None, "smith"),
    ("Dr. Jane", None, "SMITH OBE", "dr", "jane", None, "smith"),
    ("Mrs Ann", None, "Smith-Jones Jnr", "mrs", "ann", None, "smith jones"),
    ("Revd Paul", None, "Jones III", "rev", "paul", None, "jones"),
    ("Miss", None, "Jones", None, "miss", None, "jones"),
    ("Mary-Jane", None, "Watson", None, "mary jane", None, "watson"),
    (None, None, "Smith", None, None, None, "smith"),
    ("John", None, None, None, "john", None, None),
    ("", "", "", None, None, None, None),
    ("  ", None, "  ", None, None, None, None),
]


@pytest.fixture(scope="module")
def separate() -> list[StandardisedRecord]:
    rows = [{"given_name": c[0], "middle_names": c[1], "family_name": c[2]} for c in SEPARATE]
    return bulk(standardiser("given_name", "middle_names", "family_name"), rows)


@pytest.mark.parametrize(
    ("given_col", "middle_col", "family_col", "title", "given", "middle", "family"),
    SEPARATE,
    ids=[f"{c[0]!r}|{c[1]!r}|{c[2]!r}" for c in SEPARATE],
)
def test_separate_name_columns(
    separate: list[StandardisedRecord],
    given_col: str | None,
    middle_col: str | None,
    family_col: str | None,
    title: str | None,
    given: str | None,
    middle: str | None,
    family: str | None,
) -> None:
    rec = separate[
        SEPARATE.index((given_col, middle_col, family_col, title, given, middle, family))
    ]
    assert (rec.title, rec.given_name, rec.middle_names, rec.family_name) == (
        title, given, middle, family,
    )  # fmt: skip
    assert (rec.given_name_raw, rec.middle_names_raw, rec.family_name_raw) == (
        given_col, middle_col, family_col,
    )  # fmt: skip
    # Separate columns are the source's own split: one word in each is no problem.
    assert rec.name_issue is None


ACCENTS = [
    ("Zoë", "zoe", "zoë"),
    ("José", "jose", "josé"),
    ("ZOË", "zoe", "zoë"),
    ("Bjørn", "bjorn", "bjørn"),
    ("Æthelred", "aethelred", "æthelred"),
    ("Łukasz", "lukasz", "łukasz"),
    ("Zoe\u0308", "zoe", "zoë"),  # decomposed diaeresis, composed by NFKC
    ("Ｊｏｈｎ", "john", "john"),  # full-width letters
    ("ﬁona", "fiona", "fiona"),  # ligature
    ("JoHn", "john", "john"),
    ("JOHN", "john", "john"),
]
FAMILIES = [
    ("O'Brien", "obrien"),
    ("O’Brien", "obrien"),
    ("O‘Brien", "obrien"),
    ("O`Brien", "obrien"),
    ("O´Brien", "obrien"),  # an acute accent typed for an apostrophe
    ("OBrien", "obrien"),
    ("O Brien", "obrien"),
    ("O'BRIEN", "obrien"),
    ("Mc Donald", "mcdonald"),
    ("McDonald", "mcdonald"),
    ("D'Arcy", "darcy"),
    ("Smith-Jones", "smith jones"),
    ("Smith Jones", "smith jones"),
    ("Smith–Jones", "smith jones"),  # en dash
    ("Smith - Jones", "smith jones"),
    ("Smith--Jones", "smith jones"),
    ("SMITH‐JONES", "smith jones"),  # Unicode hyphen
    ("Straße", "strasse"),
]
NICKNAMES = [("bill", "william"), ("BILL", "william"), ("Bill", "robert"), ("Liz", "elizabeth")]
UNKNOWN = ["Xqzvbrt", "Zoë"]


@pytest.fixture(scope="module")
def givens() -> dict[str | None, StandardisedRecord]:
    raws = [c[0] for c in ACCENTS] + [c[0] for c in NICKNAMES] + UNKNOWN + [None]
    return each("given_name", raws)


@pytest.fixture(scope="module")
def families() -> dict[str | None, StandardisedRecord]:
    return each("family_name", [c[0] for c in FAMILIES] + ["O’Brien–Smith", "O`Brienë"])


@pytest.mark.parametrize(
    ("raw", "folded", "accented"),
    ACCENTS,
    ids=["diaeresis", "acute", "upper accented", "o stroke", "ash", "l stroke", "combining",
         "full-width", "ligature", "mixed case", "upper case"],
)  # fmt: skip
def test_given_name_folds_accents_and_keeps_them(
    givens: dict[str | None, StandardisedRecord], raw: str, folded: str, accented: str
) -> None:
    rec = givens[raw]
    assert (rec.given_name, rec.given_name_accented, rec.given_name_raw) == (folded, accented, raw)


@pytest.mark.parametrize(("raw", "folded"), FAMILIES, ids=[c[0] for c in FAMILIES])
def test_family_name_apostrophes_and_hyphens(
    families: dict[str | None, StandardisedRecord], raw: str, folded: str
) -> None:
    assert families[raw].family_name == folded


def test_accented_family_keeps_apostrophe_and_hyphen_unified(
    families: dict[str | None, StandardisedRecord],
) -> None:
    assert families["O’Brien–Smith"].family_name_accented == "o'brien-smith"
    # A backtick is an apostrophe whether or not the rest of the name is ASCII.
    assert families["O`Brien"].family_name_accented == "o'brien"
    assert families["O`Brienë"].family_name_accented == "o'brienë"


@pytest.mark.parametrize(("given", "expected"), NICKNAMES, ids=["lower", "upper", "title", "liz"])
def test_nickname_canonical_forms(
    givens: dict[str | None, StandardisedRecord], given: str, expected: str
) -> None:
    canonical = givens[given].given_name_canonical
    assert canonical is not None
    assert expected in canonical
    assert given.lower() in canonical


@pytest.mark.parametrize("given", UNKNOWN, ids=["unknown", "accented unknown"])
def test_unknown_name_is_its_own_canonical_form(
    givens: dict[str | None, StandardisedRecord], given: str
) -> None:
    rec = givens[given]
    assert rec.given_name_canonical == [rec.given_name]


def test_no_given_name_has_no_canonical_forms(
    givens: dict[str | None, StandardisedRecord],
) -> None:
    assert givens[None].given_name_canonical is None


# Hypothesis strategies: Latin-script words, which every UK register holds.
LATIN = "abcdefghijklmnopqrstuvwxyzàáâäçèéêëìíîïñòóôöùúûüýÿåøæœß"
RESERVED = set(TITLES) | set(SUFFIXES) | set(PARTICLES)
words = st.text(alphabet=LATIN, min_size=2, max_size=10).filter(lambda w: w not in RESERVED)
capitalised = words.filter(lambda w: w[0] != "ß").map(lambda w: w[0].upper() + w[1:])
ODD = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o"}


def python_fold(text: str) -> str:
    """The reference folding: NFKD without marks, odd letters spelt out, no apostrophes."""
    text = "".join(ODD.get(c, c) for c in text.lower())
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.replace("'", "").replace("-", " ").split())


@examples(20)
@given(st.lists(st.lists(words, min_size=1, max_size=3).map(" ".join), min_size=1, max_size=20))
def test_middle_names_fold_like_the_reference(raws: list[str]) -> None:
    for raw, rec in zip(raws, many("middle_names", raws), strict=True):
        assert rec.middle_names == python_fold(raw)
        assert rec.middle_names_accented == unicodedata.normalize("NFC", raw.lower())


@examples(15)
@given(st.lists(st.tuples(words, words), min_size=1, max_size=10))
def test_apostrophe_and_hyphen_variants_agree(pairs: list[tuple[str, str]]) -> None:
    joining = ["{}'{}", "{}’{}", "{}ʼ{}", "{}‘{}", "{}{}"]
    spacing = ["{}-{}", "{} {}", "{} – {}", "{}‐{}", "{} - {}"]
    raws = [v.format(a.upper(), b) for a, b in pairs for v in joining + spacing]
    folded = iter(r.family_name for r in many("family_name", raws))
    for a, b in pairs:
        assert [next(folded) for _ in joining] == [python_fold(a + b)] * len(joining)
        assert [next(folded) for _ in spacing] == [python_fold(f"{a} {b}")] * len(spacing)


@examples(15)
@given(
    st.lists(st.lists(words, min_size=1, max_size=3).map(" ".join), min_size=1, max_size=20),
    st.sampled_from([str.upper, str.lower, str.title, str.swapcase]),
)
def test_case_never_changes_the_standard_form(
    raws: list[str], recase: Callable[[str], str]
) -> None:
    plain = [r.given_name for r in many("given_name", raws)]
    cased = [r.given_name for r in many("given_name", [recase(r) for r in raws])]
    assert cased == plain


@examples(20)
@given(st.lists(st.tuples(capitalised, st.lists(capitalised, max_size=2), capitalised),
                min_size=1, max_size=8))  # fmt: skip
def test_every_full_name_form_splits_alike(people: list[tuple[str, list[str], str]]) -> None:
    forms: list[Callable[[str, list[str], str], str]] = [
        lambda g, m, f: " ".join([f"{f},", g, *m]),
        lambda g, m, f: " ".join([f"{f.upper()},", g, *m]),
        lambda g, m, f: " ".join([g, *m, f]),
        lambda g, m, f: " ".join([f.upper(), g, *m]),
        lambda g, m, f: " ".join([g, *m, f.upper()]),
    ]
    raws = [form(g, m, f) for g, m, f in people for form in forms]
    got = [(r.given_name, r.middle_names, r.family_name) for r in many("full_name", raws)]
    for i, (g, m, f) in enumerate(people):
        expected = (python_fold(g), python_fold(" ".join(m)) or None, python_fold(f))
        assert got[i * len(forms) : (i + 1) * len(forms)] == [expected] * len(forms), raws[i]


@examples(20)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=20))
def test_canonical_forms_always_hold_the_name(raws: list[str]) -> None:
    for rec in many("given_name", raws):
        if rec.given_name is None:
            assert rec.given_name_canonical is None
        else:
            assert rec.given_name_canonical is not None
            assert rec.given_name in rec.given_name_canonical
            assert rec.given_name_canonical == sorted(rec.given_name_canonical)


@examples(20)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=20))
def test_any_full_name_splits_in_two_or_is_flagged(raws: list[str]) -> None:
    for raw, rec in zip(raws, many("full_name", raws), strict=True):
        assert rec.full_name_raw == raw
        if rec.name_issue is None:
            assert (rec.given_name is None) == (rec.family_name is None), raw
        else:
            assert rec.name_issue == "single_token"
            assert rec.given_name is None or rec.family_name is None, raw
        if rec.middle_names is not None:
            assert rec.given_name is not None, raw


def test_names_that_sound_alike_share_a_phonetic_code() -> None:
    conn = prepare(duckdb.connect())
    prepare(conn)  # a second time changes nothing
    rows = conn.execute(
        "SELECT accord_phonetic(n) FROM (VALUES ('catherine'), ('kathryn'), ('smith'), "
        "('smyth'), ('jones'), (NULL), ('---')) t(n)"
    ).fetchall()
    codes = [r[0] for r in rows]
    assert codes[0] == codes[1]
    assert codes[2] == codes[3]
    assert codes[4] not in (codes[0], codes[2])
    assert codes[5:] == [None, None]
