"""The one pattern for every name a person types: datasets, nodes, agreements, organisations.

Names end up in file names, SQL rows, log entries, URLs and signed documents, so they are
checked once, here, at every boundary that accepts one (the library, not only the CLI):
lower-case ASCII letters, digits, ``.``, ``_`` and ``-``, starting with a letter or a
digit, at most :data:`MAX_NAME` characters. That shuts out path separators (``../x``),
newlines, spaces, look-alike letters from other scripts and SQL text, whatever the caller.
"""

from __future__ import annotations

import re

from accord.store.errors import InvalidName

MAX_NAME = 100
NAME_PATTERN = rf"^[a-z0-9][a-z0-9._-]{{0,{MAX_NAME - 1}}}$"
"""The identifier pattern (docs/security.md): also the JSON Schema ``pattern`` of ids."""
_NAME = re.compile(NAME_PATTERN)
_SHOWN = 40


def check_name(value: object, what: str) -> str:
    """``value`` if it is a valid name; else :class:`InvalidName` saying what is wrong.

    ``what`` names the thing in the message ("dataset name", "--node-name").
    """
    if not isinstance(value, str):
        raise InvalidName(f"{what}: expected a name, got {type(value).__name__}")
    if _NAME.fullmatch(value):
        return value
    raise InvalidName(f"{what} {_excerpt(value)} {_problem(value)}; {NAME_RULE}")


def is_name(value: object) -> bool:
    """Whether ``value`` is a valid name (for code that must tell, not refuse)."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


NAME_RULE = (
    f"a name is 1-{MAX_NAME} characters: lower-case letters a-z, digits, '.', '_' or '-', "
    "starting with a letter or digit"
)


NODE_ID_PATTERN = r"^[A-Z0-9]{3,12}$"
"""A node id: the organisation's UK public-sector code, upper case (an ODS code such as
``A81001`` for a GP practice or ``RX1`` for a trust, a council's GSS code such as
``E06000023``). It names the node on the wire (the ``keyid`` of its HTTP signatures) and
in the federation's trust list (docs/exchange.md)."""
NODE_ID_RULE = (
    "a node id is the organisation's code: 3-12 upper-case letters A-Z and digits, e.g. "
    "an ODS code (A81001, RX1) or a GSS code (E06000023)"
)
_NODE_ID = re.compile(NODE_ID_PATTERN)


def check_node_id(value: object, what: str = "node id") -> str:
    """``value`` if it is a valid node id; else :class:`InvalidName` saying what is wrong."""
    if isinstance(value, str) and _NODE_ID.fullmatch(value):
        return value
    shown = _excerpt(value) if isinstance(value, str) else type(value).__name__
    raise InvalidName(f"{what} {shown} is not a node id; {NODE_ID_RULE}")


def _problem(value: str) -> str:
    if not value:
        return "is empty"
    if len(value) > MAX_NAME:
        return f"is {len(value):,} characters long"
    bad = next((c for c in value if not re.fullmatch(r"[a-z0-9._-]", c)), None)
    if bad is not None:
        return f"contains {_char(bad)}"
    return f"starts with {_char(value[0])}"


def _char(c: str) -> str:
    if c.isascii() and c.isprintable():
        return repr(c)
    return f"{c!r} (U+{ord(c):04X})"


def _excerpt(value: str) -> str:
    shown = value if len(value) <= _SHOWN else value[:_SHOWN] + "…"
    return repr(shown)
