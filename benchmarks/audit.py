"""Audit benchmark: a node discloses a dataset of N people, one log entry per person.

A workspace on the embedded store ingests an N-row extract (one row per person, valid NHS
numbers); ``accord.privacy.disclose_in`` then shares it pseudonymised, which keys every
person inside DuckDB, stages one ``records.disclosed`` per person in the transaction
that moves the output into place, and appends them to the Merkle log in signed batches.
The two recording steps are then timed apart on the same events: staging N events
(``audit.record_each``) and appending them (``audit.flush``). Prints one JSON object:
``{"people", "disclose_in_seconds", "stage_events_per_s", "append_events_per_s",
"peak_rss_mb"}``.

    python benchmarks/audit.py [--people N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from linkage import peak_rss

PEOPLE = 1_000_000


def _extract(folder: Path, people: int) -> tuple[str, Path]:
    """A CSV of ``people`` rows with valid NHS numbers (mod 11), and its mapping."""
    source = folder / "patients.csv"
    body = "lpad((400000000 + i)::VARCHAR, 9, '0')"
    check = " + ".join(f"{10 - k} * substr({body}, {k + 1}, 1)::INTEGER" for k in range(9))
    with duckdb.connect() as conn:
        conn.execute(
            f"COPY (SELECT * FROM (SELECT 'P' || i AS id, {body} || ((11 - ({check}) % 11) % 11) "
            "AS nhs, (i % 11) AS admissions FROM range($n * 2) t(i)) WHERE length(nhs) = 10 "
            f"LIMIT $n) TO '{source}' (HEADER)",
            {"n": people},
        )
    mapping = folder / "patients.yaml"
    mapping.write_text("fields: {record_id: id, nhs_number: nhs}\nattributes: [admissions]\n")
    return str(source), mapping


def audit_rates(people: int = PEOPLE) -> dict[str, Any]:
    from accord import audit, privacy
    from accord.sources import ingest
    from accord.store import init_workspace

    with tempfile.TemporaryDirectory() as tmp, peak_rss() as peak:
        folder = Path(tmp)
        ws = init_workspace(folder / "ws", "bench-node")
        ingest(ws, *_extract(folder, people), "patients")
        disclosure = privacy.Disclosure("dsa-bench", privacy.LawfulBasis.PUBLIC_TASK,
                                        "planning", privacy.Output.PSEUDONYMISED)  # fmt: skip
        policy = privacy.Minimisation(("nhs_number", "admissions"),
                                      {"nhs_number": privacy.Treatment.PSEUDONYMISE})  # fmt: skip
        share = privacy.Share(recipient="Riverside Hospital Trust", recipient_role="analyst",
                              legal_basis="Art 6(1)(e)", gateway="NHS Act 2006 s251")  # fmt: skip
        started = time.perf_counter()
        shared = privacy.disclose_in(ws, "patients", folder / "out.parquet", disclosure, policy,
                                     share)  # fmt: skip
        disclosed = time.perf_counter() - started
        keys = [e.event.person for e in audit.entries(ws, 0, 1_000_000_000)  # type: ignore[attr-defined]
                if e.event.name == "records.disclosed"]  # fmt: skip
        template = next(e.event for e in audit.entries(ws) if e.event.name == "records.disclosed")
        started = time.perf_counter()
        with ws.engine.begin() as conn:
            audit.record_each(ws, template, keys, within=conn)
        staged = time.perf_counter() - started
        started = time.perf_counter()
        audit.flush(ws)
        appended = time.perf_counter() - started
        ws.close()
    return {"people": shared.people, "disclose_in_seconds": round(disclosed, 2),
            "stage_events_per_s": round(len(keys) / staged),
            "append_events_per_s": round(len(keys) / appended),
            "peak_rss_mb": round(peak[0], 1)}  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=PEOPLE)
    print(json.dumps(audit_rates(parser.parse_args().people)), flush=True)
