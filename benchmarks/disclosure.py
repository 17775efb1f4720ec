"""Disclosure benchmark: opt-outs and pseudonymisation applied to a 1,000,000-row extract.

The extract has an NHS number, a record id and four attributes per row; 5.4% of the
people are in the national opt-out register (about the national rate) and 0.5% have an
upheld Article 21 objection. ``accord.privacy.disclose`` withholds them, keeps three
fields and replaces the NHS number with a pseudonym keyed to the agreement, writing
Parquet. Prints one JSON object: ``{"extract_rows", "rows_out",
"optout_pseudonymise_rows_per_s", "seconds", "peak_rss_mb"}``; ``benchmarks/policy.py``
reports the same figure with the decisions.
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from linkage import peak_rss

ROWS = 1_000_000


def privacy_rate(rows: int = ROWS) -> dict[str, Any]:
    """Apply the registers and pseudonymise ``rows`` rows; the rate and the memory used."""
    from accord.privacy import (
        Disclosure,
        LawfulBasis,
        Minimisation,
        Output,
        Registers,
        Treatment,
        disclose,
    )

    secret = secrets.token_bytes(32)
    conn = duckdb.connect()
    conn.execute(
        "CREATE TABLE extract AS SELECT lpad((4000000000 + i * 7)::VARCHAR, 10, '0') AS "
        "nhs_number, 'G' || i AS record_id, (i % 97)::INTEGER AS age, "
        "['E', 'W', 'S', 'N'][(i % 4) + 1] AS nation, (i % 11)::INTEGER AS admissions, "
        "'SW1A ' || (i % 9) || 'AA' AS postcode FROM range($n) t(i)",
        {"n": rows},
    )
    subjects = {
        scheme: [r[0] for r in conn.execute(
            f"SELECT nhs_number FROM extract WHERE hash(record_id) % {every} = 0"
        ).fetchall()]
        for scheme, every in (("national", 18), ("objection", 200))  # 5.4%, 0.5%
    }  # fmt: skip
    registers = Registers(subjects, secret)
    disclosure = Disclosure("dsa-bench", LawfulBasis.PUBLIC_TASK, "planning", Output.PSEUDONYMISED)
    policy = Minimisation(("nhs_number", "age", "admissions"),
                          {"nhs_number": Treatment.PSEUDONYMISE})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, peak_rss() as peak:
        started = time.perf_counter()
        done = disclose(conn, "extract", Path(tmp) / "out.parquet", disclosure, policy,
                        registers, key_version=1)  # fmt: skip
        seconds = time.perf_counter() - started
    return {"extract_rows": done.rows_in, "rows_out": done.rows_out,
            "opted_out": done.opted_out,
            "optout_pseudonymise_rows_per_s": round(done.rows_in / seconds),
            "seconds": round(seconds, 3), "peak_rss_mb": round(peak[0], 1)}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(privacy_rate()), flush=True)
