"""The auditor's area (role auditor, read only): the node's signed checkpoints, newest
first, with every signature on them (each witness's cosignature: which witness, when,
checked with its key in the trust list) and the witnesses that may check them; a
verification of the whole log (``audit.verify``), with the result in plain words; and
entries with their inclusion proofs as one file to check offline (``audit.export``, the
file ``accord audit export`` writes), with how to check it.

Nothing here changes the node but a verification that passes, which the log records
(``log.verified``), as ``accord audit verify`` does.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from accord import audit
from accord.accounts import Role, StaffSession
from accord.portal.areas import Area, register_area
from accord.portal.deps import Auditor, FormFields, PortalDep, portal_router, render
from accord.portal.routes.audit_log import newest, witnessed, witnesses

router = portal_router()
AREA = register_area(Area(
    title="Checkpoints", href="/staff/checkpoints",
    description="The log's signed checkpoints and their signatures; verify the whole log; "
    "download entries with their proofs to check them anywhere.",
    roles=frozenset({Role.AUDITOR}), order=70,
))  # fmt: skip
Position = Annotated[int | None, Query(ge=0)]
MAX_DOWNLOAD = 10_000
"""Entries in one download (each with its proof: a few megabytes); more with
``accord audit export`` on the node."""
MAX_NOTE = 10_000
"""Characters of a checkpoint an auditor pastes (a note is a few hundred)."""


def _size(portal: PortalDep) -> int:
    found = audit.checkpoints(portal.ws, limit=1).checkpoints
    return found[0].checkpoint.size if found else 0


@router.get(AREA.href)
def checkpoint_list(
    request: Request, portal: PortalDep, staff: Auditor, before: Position = None,
    after: Position = None,
) -> HTMLResponse:  # fmt: skip
    page = audit.checkpoints(portal.ws, before=before, after=after)
    shown = [witnessed(portal.ws, c) for c in page.checkpoints]
    _, cosigned = newest(portal.ws) if page.newer is None else (None, None)
    found, why_none = witnesses(portal.ws)
    return render(request, "checkpoints/list.html", session=staff, page=page, shown=shown,
                  cosigned=cosigned, witnesses=found, no_witnesses=why_none,
                  key=audit.node_verifier_key(portal.ws))  # fmt: skip


@router.get(AREA.href + "/verify")
def verify_page(request: Request, staff: Auditor) -> HTMLResponse:
    return render(request, "checkpoints/verify.html", session=staff, note="")


@router.post(AREA.href + "/verify")
def verify(request: Request, portal: PortalDep, staff: Auditor, fields: FormFields) -> HTMLResponse:
    note = fields.raw("saved").replace("\r\n", "\n").strip("\n")
    note = note + "\n" if note else ""
    if len(note) > MAX_NOTE:
        return _verify_form(request, staff, note, f"Paste one checkpoint of at most {MAX_NOTE:,} "
                            "characters")  # fmt: skip
    try:
        done = audit.verify(portal.ws, [note] if note else [],
                            sources=["the checkpoint you pasted"], record=True)  # fmt: skip
    except audit.LogInconsistent as exc:
        return render(request, "checkpoints/verified.html", session=staff, passed=False,
                      why=str(exc), entry=exc.entry)  # fmt: skip
    except audit.BadCheckpoint as exc:
        return _verify_form(request, staff, note, f"The checkpoint you pasted cannot be used: "
                            f"{str(exc).removeprefix('the checkpoint you pasted: ')}")  # fmt: skip
    return render(request, "checkpoints/verified.html", session=staff, passed=True, done=done,
                  saved=bool(note))  # fmt: skip


def _verify_form(request: Request, staff: StaffSession, note: str, problem: str) -> HTMLResponse:
    return render(request, "checkpoints/verify.html", status_code=400, session=staff,
                  note=note, errors={"saved": problem})  # fmt: skip


@router.get(AREA.href + "/download", response_model=None)
def download(request: Request, portal: PortalDep, staff: Auditor) -> Response:
    """The download page; with ``first`` and ``last``, the entries with their proofs (one
    JSON file), or the page with what is wrong."""
    query = request.query_params
    size = _size(portal)
    values = {k: query.get(k, "").strip() for k in ("first", "last")}
    context: dict[str, Any] = {"session": staff, "size": size, "values": values,
                               "key": audit.node_verifier_key(portal.ws),
                               "most": MAX_DOWNLOAD}  # fmt: skip
    if "first" not in query and "last" not in query:
        return render(request, "checkpoints/download.html", **context)
    first, last, errors = _range(values, size)
    if errors:
        return render(request, "checkpoints/download.html", status_code=400, errors=errors,
                      **context)  # fmt: skip
    document = audit.export(portal.ws, first, last + 1)
    name = f"audit-{portal.ws.settings.node_name}-entries-{first}-{last}.json"
    return Response(json.dumps(document, indent=2) + "\n", media_type="application/json",
                    headers={"content-disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _range(values: dict[str, str], size: int) -> tuple[int, int, dict[str, str]]:
    """The first and last entry asked for, and the errors by field."""
    errors: dict[str, str] = {}
    found: dict[str, int] = {}
    for field, what in (("first", "first entry"), ("last", "last entry")):
        text = values[field]
        if not text:
            errors[field] = f"Enter the number of the {what}"
        elif not text.isdigit():
            errors[field] = f"The {what} must be a whole number, like 0 or 1500"
        elif int(text) >= size:
            errors[field] = (f"The {what} must be {size - 1:,} or less: the log's newest "
                             f"checkpoint covers entries 0 to {size - 1:,}" if size else
                             "The log is empty: there are no entries to download")  # fmt: skip
        else:
            found[field] = int(text)
    first, last = found.get("first", 0), found.get("last", 0)
    if not errors and last < first:
        errors["last"] = "The last entry must be the same as or after the first entry"
    elif not errors and last - first + 1 > MAX_DOWNLOAD:
        errors["last"] = (f"Download at most {MAX_DOWNLOAD:,} entries at once (entries "
                          f"{first:,} to {first + MAX_DOWNLOAD - 1:,}, say)")  # fmt: skip
    return first, last, errors
