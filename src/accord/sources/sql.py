"""Small helpers for the DuckDB SQL the sources context writes.

The people context keeps its own; the arrows let sources use only people's public face,
so the few lines are repeated here. ``WHITESPACE`` must stay what the standardisers
strip (a test compares the two), or a required field could pass as present and then
standardise to nothing.
"""

from __future__ import annotations


def lit(value: str) -> str:
    """A SQL string literal: the value with single quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


WHITESPACE = (
    " \t\n\r\v\f\x85\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200C)))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)  # fmt: skip
"""What may surround a value: CRLF leftovers, tabs, Unicode spaces, a byte-order mark."""
_WHITESPACE_SQL = "concat(" + ", ".join(f"chr({ord(c)})" for c in WHITESPACE) + ")"


def blank_to_null(expr: str) -> str:
    """``expr`` without :data:`WHITESPACE` at either end, or NULL when nothing is left."""
    return f"nullif(trim({expr}, {_WHITESPACE_SQL}), '')"
