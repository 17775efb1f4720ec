"""Whether a node can serve: each check named, with what failed in words."""

from __future__ import annotations

from datetime import datetime

from accord import audit
from accord.exchange.gate import Gate
from accord.exchange.problems import Refusal, printable
from accord.store import StoreError, Workspace


def checks(ws: Workspace, gate: Gate, now: datetime) -> list[dict[str, object]]:
    """``[{"name", "ok", "detail"}]`` for the store, the audit log and the trust list."""
    found: list[dict[str, object]] = []
    try:
        first = next(iter(audit.entries(ws, 0, 1)), None)
    except (StoreError, audit.AuditError) as exc:
        found.append({"name": "store and audit log", "ok": False, "detail": printable(str(exc))})
        return found
    found.append(
        {
            "name": "store and audit log",
            "ok": True,
            "detail": "reachable" + ("" if first else "; the log is empty"),
        }
    )
    try:
        trust_list, own = gate.trust_list(now)
        found.append(
            {
                "name": "trust list",
                "ok": True,
                "detail": f"serial {trust_list.serial}; this node is {own.node_id} "
                f"at {own.base_url}",
            }
        )
    except Refusal as exc:
        found.append({"name": "trust list", "ok": False, "detail": exc.detail})
    return found
