"""benchmarks/exchange.py runs end to end at a small size; its figures are not judged here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {"lookups_per_s", "bare_lookups_per_s", "overhead_ratio", "p50_ms", "p99_ms",
           "share_100k_s", "share_rows_per_s", "peak_rss_mb"}  # fmt: skip


@pytest.mark.slow
def test_the_exchange_benchmark_runs_small_and_prints_its_figures() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "exchange.py"), "--rows", "2000",
         "--lookups", "100", "--workers", "1"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(last) == FIGURES
    assert last["lookups_per_s"] > 0
    assert last["bare_lookups_per_s"] > 0
    assert "opted-out withheld" in done.stdout
