"""Small helpers for the demo's exchange steps, where a shell one-liner would not do.

One sub-command each, called by scripts/demo.sh:

    python scripts/demo_exchange.py ports N            N free TCP ports on 127.0.0.1
    python scripts/demo_exchange.py ready PID=URL ...   wait until each server's /readyz is 200
    accord federation fetch --json | python scripts/demo_exchange.py fetched ORG
    python scripts/demo_exchange.py lookups FILE        add 'lookups: true' to the GP's dataset
    python scripts/demo_exchange.py refusals WS SINCE   the refused decisions in WS's log
    python scripts/demo_exchange.py same A.json B.json  two nodes' copies of an agreement agree

Every failure prints one line to stderr and exits 1, so ``set -e`` stops the demo.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from accord import audit
from accord.store import open_workspace

STARTUP = 120.0
"""Seconds a server may take to be ready (imports on a busy two-core machine)."""


def ports(count: str) -> None:
    # Bound together so that no two are the same; the servers bind them moments later.
    sockets = [socket.socket() for _ in range(int(count))]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        print(*(sock.getsockname()[1] for sock in sockets))
    finally:
        for sock in sockets:
            sock.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def ready(*servers: str) -> None:
    waiting = {int(pid): url for pid, url in (s.split("=", 1) for s in servers)}
    deadline = time.monotonic() + STARTUP
    while waiting:
        for pid, url in list(waiting.items()):
            if not _alive(pid):
                sys.exit(f"the server for {url} (pid {pid}) exited before it was ready")
            try:
                answer = httpx.get(f"{url}/readyz", timeout=2)
            except httpx.HTTPError:
                continue
            if answer.status_code == 200:
                print(f"   {url} ready")
                del waiting[pid]
        if time.monotonic() > deadline:
            sys.exit(f"not ready in {STARTUP:.0f} s: {', '.join(waiting.values())}")
        time.sleep(0.2)


def fetched(org: str) -> None:
    """One line from ``accord federation fetch --json`` on stdin."""
    got = json.load(sys.stdin)
    print(f"   {org + ':':<9} trust list {got['federation']} serial {got['serial']}"
          f" {got['outcome']}, {len(got['members'])} members,"
          f" usable until {got['usable_until'][:16]} without another fetch")  # fmt: skip


def lookups(path: str) -> None:
    """Let the hospital look up one registered patient at a time (the term defaults to off)."""
    file = Path(path)
    text = file.read_text(encoding="utf-8")
    anchor = "    minimum_kitemark: silver\n"
    if text.count(anchor) != 1:
        sys.exit(f"{path}: expected one 'minimum_kitemark: silver' line to add lookups after")
    file.write_text(text.replace(anchor, anchor + "    lookups: true\n"), encoding="utf-8")


def refusals(workspace: str, since: str) -> None:
    start = datetime.fromisoformat(since)
    with open_workspace(Path(workspace)) as ws:
        found = audit.recorded_between(ws, ["disclosure.decided"], start, datetime.now(UTC))
        for entry in found:
            fields = entry.event.fields()
            if fields.get("permitted"):
                continue
            print(
                f"   entry {entry.index}: disclosure.decided, denied, requester"
                f" {fields.get('requester') or '-'}, agreement {fields.get('agreement') or '-'},"
                f" dataset {fields.get('dataset') or '-'}"
            )
            for reason in fields.get("reasons", []):
                print(f"     - {reason}")


def same(first: str, second: str) -> None:
    """Each node's ``accord agreement show --json``: the same document, signatures and all."""
    shown = {Path(p).stem: json.loads(Path(p).read_text(encoding="utf-8")) for p in (first, second)}
    for name, held in shown.items():
        agreement = held["agreement"]
        signers = ", ".join(s.get("org", "?") for s in agreement.get("signatures", []))
        print(f"   {name}: {agreement['id']} v{agreement['version']} {held['status']},"
              f" content {held['digest'][:16]}, signed by {signers}")  # fmt: skip
    a, b = shown.values()
    if (a["agreement"], a["digest"]) != (b["agreement"], b["digest"]):
        sys.exit("the two nodes hold different documents")
    if a["status"] != "active" or b["status"] != "active":
        sys.exit("the agreement is not active on both nodes")
    print("   the same document, byte for byte the same signatures, active on both nodes")


COMMANDS: dict[str, Callable[..., None]] = {
    "ports": ports,
    "ready": ready,
    "fetched": fetched,
    "lookups": lookups,
    "refusals": refusals,
    "same": same,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
