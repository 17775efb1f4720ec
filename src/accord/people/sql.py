"""Small helpers for building DuckDB SQL safely from Python values."""

from __future__ import annotations


def lit(value: str) -> str:
    """A SQL string literal: the value with single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def case_map(expr: str, mapping: dict[str, str], default: str = "NULL") -> str:
    """``CASE expr WHEN k THEN v ... ELSE default END`` with literal keys and values."""
    if not mapping:
        return default
    arms = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in mapping.items())
    return f"CASE {expr} {arms} ELSE {default} END"


# What may surround a value: the ASCII controls of CRLF files and tab-separated exports,
# the Unicode spaces of pasted text, and a byte-order mark. DuckDB's one-argument trim
# strips spaces only, so "male\r" would be an unknown sex code.
WHITESPACE = (
    " \t\n\r\v\f\x85\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200C)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)  # fmt: skip
# A plain literal: DuckDB plans it faster than the same string built with chr().
_WHITESPACE_SQL = lit(WHITESPACE)
WHITESPACE_CLASS = "".join(f"\\x{{{ord(c):04X}}}" for c in WHITESPACE)
"""The characters of :data:`WHITESPACE` for a regular-expression class (``[...]``)."""


def strip(expr: str) -> str:
    """``expr`` without :data:`WHITESPACE` at either end.

    Trimming a set of characters costs DuckDB some 15 times a plain trim, so it runs only
    when the first or last character is one of them: most values pay two look-ups.
    """
    ws = _WHITESPACE_SQL
    ends = f"contains({ws}, left({expr}, 1)) OR contains({ws}, right({expr}, 1))"
    return f"CASE WHEN {ends} THEN trim({expr}, {_WHITESPACE_SQL}) ELSE {expr} END"


def blank_to_null(expr: str) -> str:
    """Stripped text, or NULL when nothing is left."""
    return f"nullif({strip(expr)}, '')"


# U+0080 is the first character whose UTF-8 form does not start with an ASCII byte.
_FIRST_NON_ASCII = lit("\x80")


def not_blank(expr: str, *more: str) -> str:
    """SQL predicate, never NULL: the text ``expr`` (or any of ``more``) holds something
    other than blanks.

    The same test as ``blank_to_null(expr) IS NOT NULL``, at a fraction of the cost over
    millions of values: DuckDB compares text byte by byte, so a value whose first byte
    is printable ASCII (``'!'`` to DEL) is not blank, decided by two comparisons with the
    value's inlined prefix; only the rest (NULL, a space, a control, a non-ASCII first
    character, an empty string) is trimmed. Each expression is evaluated more than once:
    pass columns.
    """
    exprs = (expr, *more)
    fast = " OR ".join(f"({e} >= '!' AND {e} < {_FIRST_NON_ASCII})" for e in exprs)
    exact = " OR ".join(f"coalesce(trim({e}, {_WHITESPACE_SQL}) <> '', false)" for e in exprs)
    return f"(CASE WHEN {fast} THEN true ELSE {exact} END)"


def hmac_sql(expr: str, param: str, hex_chars: int = 64) -> str:
    """HMAC-SHA256 of the text ``expr`` as lower-case hex, computed by DuckDB.

    The key's pads are bound as ``$param_i`` and ``$param_o`` (:func:`hmac_params`), so
    a million values need no Python loop and the key never appears in the SQL text.
    """
    # As text whatever its type (a date as ISO 8601), as the Python side hashes it.
    inner = f"unhex(sha256(${param}_i || encode(({expr})::VARCHAR)))"
    return f"left(sha256(${param}_o || {inner}), {int(hex_chars)})"


def hmac_params(key: bytes, param: str) -> dict[str, bytes]:
    """The parameters :func:`hmac_sql` expects for ``key`` (at most 64 bytes)."""
    if len(key) > 64:
        raise ValueError("an HMAC-SHA256 key longer than a block must be hashed first")
    block = key.ljust(64, b"\0")
    return {f"{param}_i": bytes(b ^ 0x36 for b in block),
            f"{param}_o": bytes(b ^ 0x5C for b in block)}  # fmt: skip
