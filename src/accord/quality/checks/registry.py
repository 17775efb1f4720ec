"""The check registry: every check type, built-in or third-party, is registered here.

A new check is one class decorated with :func:`register_check`; its ``type`` slug is how
checklists name it. The built-ins register themselves the same way when their modules
are imported, which :func:`check_types` does on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TypeVar

from accord.quality.checks.base import Check
from accord.store import check_name

BUILTIN_CHECKS = (
    "accord.quality.checks.completeness",
    "accord.quality.checks.validity",
    "accord.quality.checks.uniqueness",
    "accord.quality.checks.consistency",
    "accord.quality.checks.timeliness",
    "accord.quality.checks.accuracy",
)

C = TypeVar("C", bound=type[Check])
_checks: dict[str, type[Check]] = {}
_builtins_loaded = False


def register_check(cls: C) -> C:
    """Class decorator: make a check type available to checklists under its slug."""
    fields = cls.__pydantic_fields__
    slug = fields["type"].default if "type" in fields else None
    if not isinstance(slug, str):
        raise TypeError(f"{cls.__name__}: declare type: Literal['slug'] = 'slug'")
    check_name(slug, f"{cls.__name__}: check type")
    if not isinstance(getattr(cls, "dimension", None), str):
        raise TypeError(f"{cls.__name__}: declare dimension: ClassVar[Dimension]")
    known = _checks.get(slug)
    if known is not None and _name(known) != _name(cls):
        raise ValueError(f"check type {slug!r} is already registered by {_name(known)}")
    _checks[slug] = cls
    return cls


def _name(cls: type[Check]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def check_types() -> dict[str, type[Check]]:
    """Every registered check type by slug: the built-ins first, in a fixed order."""
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        for module in BUILTIN_CHECKS:
            import_module(module)
    rank = {module: i for i, module in enumerate(BUILTIN_CHECKS)}
    ordered = sorted(_checks.items(), key=lambda kv: rank.get(kv[1].__module__, len(rank)))
    return dict(ordered)
