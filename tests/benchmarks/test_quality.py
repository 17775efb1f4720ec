"""benchmarks/quality.py runs end to end at a small size; its figures are not judged here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_quality_benchmark_runs_small_and_prints_its_figures() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "quality.py"), "--rows", "2000", "--runs", "1"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(last) == {"rows", "seconds", "rows_per_s", "speedup_vs_frictionless",
                         "speedup_vs_frictionless_constraints", "peak_rss_mb",
                         "floor_read_s"}  # fmt: skip
    assert last["rows"] > 0
    assert "kitemark" in done.stdout
