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


def blank_to_null(expr: str) -> str:
    """Trimmed text, or NULL when nothing is left."""
    return f"nullif(trim({expr}), '')"
