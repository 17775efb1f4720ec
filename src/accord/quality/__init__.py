"""Data quality: checks tagged with the UK Government Data Quality Framework's dimensions.

Public face: :func:`assess` (a checklist over a snapshot, inside DuckDB) and its
:class:`Assessment` with :class:`CheckResult`, :class:`Dimension` and :class:`Kitemark`;
checklists (:class:`Checklist`, :func:`load_checklist`, :func:`parse_checklist`,
:func:`checklist_schema`); the check registry (:class:`Check`, :class:`RowCheck`,
:class:`DatasetCheck`, :class:`CheckContext`, :func:`register_check`,
:func:`check_types`, :func:`derived_column`); :func:`scores` and :func:`kitemark` with
their :data:`LEVELS`;
:func:`assessments` (the stored history) and :func:`newest_kitemark`;
:func:`write_report` (JSON and HTML) and :func:`report_html` (the HTML page alone); the
error tree under :class:`QualityError`.
Inside: ``checks/`` (base, registry, one module of built-ins per dimension),
``checklist``, ``runner`` (the DuckDB query), ``kitemark``, ``repository``, ``report``,
``service``.
"""

from accord.quality.checklist import Checklist, checklist_schema, load_checklist, parse_checklist
from accord.quality.checks import (
    Check,
    CheckContext,
    DatasetCheck,
    RowCheck,
    check_types,
    derived_column,
    given,
    present,
    register_check,
)
from accord.quality.errors import CheckFailed, ChecklistError, QualityError
from accord.quality.kitemark import LEVELS, Level, kitemark, scores
from accord.quality.models import Assessment, CheckResult, Dimension, Kitemark, Sample
from accord.quality.report import report_html, write_report
from accord.quality.repository import assessments, newest_kitemark
from accord.quality.service import assess

__all__ = [
    "LEVELS",
    "Assessment",
    "Check",
    "CheckContext",
    "CheckFailed",
    "CheckResult",
    "Checklist",
    "ChecklistError",
    "DatasetCheck",
    "Dimension",
    "Kitemark",
    "Level",
    "QualityError",
    "RowCheck",
    "Sample",
    "assess",
    "assessments",
    "check_types",
    "checklist_schema",
    "derived_column",
    "given",
    "kitemark",
    "load_checklist",
    "newest_kitemark",
    "parse_checklist",
    "present",
    "register_check",
    "report_html",
    "scores",
    "write_report",
]
