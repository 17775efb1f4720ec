"""Quality checks: the base classes, the registry, and one module per dimension of built-ins.

Inside: ``base`` (:class:`Check`, :class:`RowCheck`, :class:`DatasetCheck`, the SQL
helpers), ``registry`` (:func:`register_check`, :func:`check_types`), and the built-ins
``completeness``, ``validity``, ``uniqueness``, ``consistency``, ``timeliness``,
``accuracy``, which register themselves as a third-party check would.
"""

from accord.quality.checks.base import (
    Check,
    CheckContext,
    DatasetCheck,
    RowCheck,
    derived_column,
    given,
    present,
)
from accord.quality.checks.registry import check_types, register_check

__all__ = [
    "Check",
    "CheckContext",
    "DatasetCheck",
    "RowCheck",
    "check_types",
    "derived_column",
    "given",
    "present",
    "register_check",
]
