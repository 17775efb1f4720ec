"""Usage and cost sharing, for stewards and analysts (counts only, no person's data): one
month's requests, shares, lookups, records and bytes per agreement, party and direction
(``exchange.usage``, counted from the node's audit log), as a table, a bar chart drawn
on the server (``charts``) and a CSV file to download. Months are calendar months in
UTC, as the report counts them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response

from accord import exchange
from accord.accounts import Role, StaffSession
from accord.portal.areas import Area, register_area
from accord.portal.charts import Bar, bar_chart
from accord.portal.deps import PortalDep, portal_router, render, require
from accord.portal.text import read_month

router = portal_router()
AREA = register_area(Area(
    title="Usage", href="/staff/usage",
    description="Each month's requests, records and data per agreement and party, for "
    "sharing the costs, with a chart and a CSV file.",
    roles=frozenset({Role.STEWARD, Role.ANALYST}), order=50,
))  # fmt: skip
Reader = Annotated[StaffSession, Depends(require(Role.STEWARD, Role.ANALYST))]
DIRECTIONS = {"provided": "this node provided", "received": "this node received"}


def _month(query: Mapping[str, str]) -> tuple[tuple[int, int], dict[str, str]]:
    """The month asked for (this month when none is), and the error to show, if any."""
    found, problem = read_month(query, "month")
    now = datetime.now(UTC)
    return found or (now.year, now.month), {"month-month": problem} if problem else {}


def _link(path: str, year: int, month: int) -> str:
    return f"{path}?{urlencode({'month-month': month, 'month-year': year})}"


@router.get(AREA.href)
def usage(request: Request, portal: PortalDep, staff: Reader) -> HTMLResponse:
    query = dict(request.query_params)
    (year, month), errors = _month(query)
    values = {k: query.get(k, "") for k in ("month-month", "month-year")}
    if errors:
        return render(request, "usage/report.html", status_code=400, errors=errors,
                      session=staff, values=values, report=None)  # fmt: skip
    report = exchange.usage(portal.ws, f"{year:04d}-{month:02d}")
    chart = bar_chart(
        f"Records by agreement and party, {datetime(year, month, 1):%B %Y}",
        "A horizontal bar for each agreement, party and direction, as long as the number "
        "of records sent or received.",
        [Bar(f"{r.agreement or '(none)'} · {r.party or '(unknown)'}", r.records, r.direction,
             f"{r.records:,} {r.direction}") for r in report.rows],
    )  # fmt: skip
    before = (year, month - 1) if month > 1 else (year - 1, 12)
    after = (year, month + 1) if month < 12 else (year + 1, 1)
    return render(
        request, "usage/report.html", session=staff, values=values, report=report,
        chart=chart, directions=DIRECTIONS, title=f"{datetime(year, month, 1):%B %Y}",
        download=_link(AREA.href + "/download", year, month),
        previous=_link(AREA.href, *before), following=_link(AREA.href, *after),
        shown={"month-month": str(month), "month-year": str(year)},
    )  # fmt: skip


@router.get(AREA.href + "/download", response_model=None)
def download(request: Request, portal: PortalDep, staff: Reader) -> Response:
    """The month's report as CSV (the columns ``accord usage report --format csv`` writes)."""
    (year, month), errors = _month(dict(request.query_params))
    if errors:
        return render(request, "usage/report.html", status_code=400, errors=errors,
                      session=staff, values=dict(request.query_params), report=None)  # fmt: skip
    report = exchange.usage(portal.ws, f"{year:04d}-{month:02d}")
    name = f"usage-{portal.ws.settings.node_name}-{report.month}.csv"
    return Response(report.csv(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})  # fmt: skip
