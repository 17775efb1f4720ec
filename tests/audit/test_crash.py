"""A process killed (SIGKILL) in the middle of a batch append loses no committed event."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from accord import audit
from accord.store import Workspace, open_workspace
from tests.audit.support import nhs_numbers, texts

SRC = Path(__file__).resolve().parents[2] / "src"

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from accord import audit
    from accord.audit import repository
    from accord.store import open_workspace

    ws = open_workspace(Path(sys.argv[1]))
    numbers = sys.argv[2].split(",")
    def person(n):
        return audit.person_key(ws, numbers[n])
    def event(n):
        return audit.RecordsDisclosed(
            person=person(n), agreement="a", recipient="r", recipient_role="analyst",
            dataset="d", purpose=f"use {n}", legal_basis="6(1)(e)", gateway="s251")
    audit.record(ws, *(event(n) for n in range(10)))  # appended: the log holds 10
    for t in range(3):  # three committed transactions, staged, not yet appended
        with ws.engine.begin() as conn:
            audit.record(ws, *(event(10 + 50 * t + n) for n in range(50)), within=conn)
    batches = []
    real = repository.add_checkpoint
    def dies_in_the_second_batch(*args, **kwargs):
        batches.append(1)
        if len(batches) == 2:  # the batch's leaves and subtrees are written, not committed
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    repository.add_checkpoint = dies_in_the_second_batch
    audit.flush(ws, batch=40)
    """
)


def test_a_killed_append_leaves_a_log_that_verifies_with_every_committed_event(
    workspace: Workspace,
) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    numbers = ",".join(nhs_numbers(160))
    done = subprocess.run([sys.executable, "-c", CHILD, str(workspace.root), numbers], env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr
    ws = open_workspace(workspace.root)
    try:
        assert audit.verify(ws).size == 50  # the first batch of 40 committed, then the kill
        audit.flush(ws)
        assert audit.verify(ws).size == 160
        purposes = sorted(json.loads(t)["event"]["purpose"] for t in texts(ws))
        assert purposes == sorted(f"use {n}" for n in range(160))
    finally:
        ws.close()
