"""Reading the fields several pages ask for, with the GOV.UK error messages for each.

:func:`person_evidence` reads an NHS number and a date of birth (the GOV.UK date input:
``date_of_birth-day``, ``-month``, ``-year``) as a citizen signing in gives their own,
or as a steward gives a person's. :func:`staff_reason` reads the role and reason a
member of staff gives for an act the audit log records.
"""

from __future__ import annotations

from accord.portal.deps import Form
from accord.portal.text import read_date

EARLIEST_BIRTH = 1880
MAX_ROLE = 100
MAX_REASON = 1_000
"""The lengths ``audit.staff_act`` accepts."""


def person_evidence(fields: Form, *, own: bool = True) -> tuple[dict[str, str], dict[str, str]]:
    """The NHS number (digits) and ISO date of birth from the form, and the errors by
    field, worded for the person themselves (``own``) or for staff about someone."""
    whose = "your" if own else "the person's"
    errors: dict[str, str] = {}
    nhs = "".join(fields.get("nhs_number").split())
    if not nhs:
        errors["nhs_number"] = f"Enter {whose} NHS number"
    elif not (nhs.isdigit() and len(nhs) == 10):
        errors["nhs_number"] = f"Enter {whose} NHS number as 10 digits, like 943 476 5919"
    born, problem = read_date(fields, "date_of_birth", f"{whose} date of birth",
                              earliest=EARLIEST_BIRTH, past=True, example="27 3 2007")  # fmt: skip
    if born is None:
        errors["date_of_birth-day"] = problem or f"Enter {whose} date of birth"
    return {"nhs_number": nhs, "date_of_birth": born.isoformat() if born else ""}, errors


def staff_reason(
    fields: Form, example: str = "the subject access request's reference"
) -> tuple[str, str, dict[str, str]]:
    """The role (``role``) and reason (``reason``) a member of staff gives, as the audit
    log will hold them, and the errors by field (``example``: of a reason, for them)."""
    role, reason = fields.get("role"), " ".join(fields.get("reason").split())
    errors: dict[str, str] = {}
    if not role:
        errors["role"] = "Enter your role, like data protection officer"
    elif len(role) > MAX_ROLE or not role.isprintable():
        errors["role"] = f"Your role must be {MAX_ROLE} characters or fewer"
    if not reason:
        errors["reason"] = f"Enter the reason, like {example}"
    elif len(reason) > MAX_REASON or not reason.isprintable():
        errors["reason"] = f"The reason must be {MAX_REASON} characters or fewer, on one line"
    return role, reason, errors


def date_values(born: str) -> dict[str, str]:
    """An ISO date as the date input's values (to show a date again)."""
    if not born:
        return {}
    year, month, day = born.split("-")
    return {"date_of_birth-day": str(int(day)), "date_of_birth-month": str(int(month)),
            "date_of_birth-year": year}  # fmt: skip
