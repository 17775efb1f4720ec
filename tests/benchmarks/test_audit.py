"""``benchmarks/audit.py`` runs, small, on both stores and ends with the issue's figures
(their names only: nothing here is timed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"entries", "events_per_s", "events_per_s_postgres", "inclusion_proof_ms",
        "consistency_proof_ms", "verify_inclusion_ms", "verify_consistency_ms", "verify_log_s",
        "bytes_per_event", "peak_rss_mb"}  # fmt: skip


@pytest.mark.slow
@pytest.mark.postgres
def test_the_audit_benchmark_runs_small_and_reports_every_figure(postgres_server: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "audit.py"), "--entries", "3000", "--share",
         "1000", "--postgres", postgres_server],
        env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    last = json.loads(lines[-1])
    assert set(last) == KEYS
    assert last["entries"] == 3000
    assert last["events_per_s_postgres"] is not None
    stores = [json.loads(line)["store"] for line in lines[:-1]]
    assert stores == ["sqlite", "postgresql"]
