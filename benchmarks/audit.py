"""Audit benchmark: a million ``records.disclosed`` entries appended durably, proved, verified.

What a node does when it shares: each bulk share stages one ``records.disclosed`` per
person in the share's transaction (``tx.record_each``, as ``privacy.disclose_in`` does)
and, once that commits, appends them to the Merkle log in signed batches. The benchmark
makes ``--entries`` entries (1,000,000 by default) that way, ``--share`` people per share
(random person keys, made before the clock starts), on the embedded SQLite store and on
PostgreSQL, each in a fresh child process (so peak RSS is its own) and a new workspace:

* ``events_per_s``: entries over the wall-clock time of the shares (staging, commit,
  append, checkpoint signing), with the store durable: SQLite with ``synchronous=FULL``
  in WAL mode, PostgreSQL with its defaults (``fsync``, ``synchronous_commit=on``);
* ``inclusion_proof_ms``, ``consistency_proof_ms``: the mean time to serve a proof from
  the store at the full size (``audit.inclusion`` for random entries, ``audit.consistency``
  from the checkpoint after each share to the last); ``verify_*_ms``: the mean time to
  check one (``audit.verify_inclusion``, ``audit.verify_consistency``);
* ``verify_log_s``: ``audit.verify`` of the whole log (every leaf rehashed, the tree
  rebuilt, every checkpoint's signature and consistency checked);
* ``bytes_per_event``: the store's size over the entries: SQLite's file with its
  write-ahead log after a checkpoint; on PostgreSQL, ``pg_total_relation_size`` of the
  audit tables (indexes and TOAST included).

PostgreSQL: ``--postgres URL`` (a server's maintenance database; a database is made and
dropped there), else a throwaway server started as the test suite does
(``tests/postgres.py``) with fsync on, when PostgreSQL is installed; ``--no-postgres``
skips it (``events_per_s_postgres`` is then null). Prints one JSON object per store (with
each store's own figures, the CPU seconds beside the wall-clock ones, as the machine is
shared, and what the process wrote to disk), then as its last line ``{"entries",
"events_per_s", "events_per_s_postgres", "inclusion_proof_ms", "consistency_proof_ms",
"verify_inclusion_ms", "verify_consistency_ms", "verify_log_s", "bytes_per_event",
"peak_rss_mb"}`` (the SQLite run's figures but for ``events_per_s_postgres``).

    python benchmarks/audit.py [--entries N] [--share N] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENTRIES = 1_000_000
SHARE = 100_000
PROOFS = 500
KEYS = ("entries", "events_per_s", "events_per_s_postgres", "inclusion_proof_ms",
        "consistency_proof_ms", "verify_inclusion_ms", "verify_consistency_ms", "verify_log_s",
        "bytes_per_event", "peak_rss_mb")  # fmt: skip


def _template() -> Any:
    from accord import audit

    return audit.RecordsDisclosed(
        person=audit.PersonKey("0" * 64), agreement="dsa-gp-hospital-admission-risk-2026",
        recipient="Riverside University Hospitals NHS Trust", recipient_role="analyst",
        dataset="registered-patients", purpose="finding patients at risk of an emergency "
        "admission", legal_basis="UK GDPR Art 6(1)(e); Art 9(2)(h)",
        gateway="NHS Act 2006 s251", source="Riverside GP practice", retention="2 years",
        staff="data steward",
    )  # fmt: skip


def _shares(entries: int, share: int) -> Iterator[list[str]]:
    made = 0
    while made < entries:
        size = min(share, entries - made)
        yield [os.urandom(32).hex() for _ in range(size)]
        made += size


def append(ws: Any, entries: int, share: int) -> tuple[float, float, list[tuple[int, bytes]]]:
    """Make ``entries`` entries in shares of ``share`` people; the seconds the shares
    took (wall clock, and this process's CPU), and the (size, root) of the checkpoint
    after each."""
    from accord import audit

    template, seconds, cpu, points = _template(), 0.0, 0.0, []
    name, key = audit.parse_verifier_key(audit.node_verifier_key(ws))
    for keys in _shares(entries, share):
        started, used = time.perf_counter(), time.process_time()
        with audit.transaction(ws) as tx:
            tx.record_each(template, keys)
        seconds += time.perf_counter() - started
        cpu += time.process_time() - used
        point = audit.open_note(audit.latest_checkpoint(ws), name, key)
        points.append((point.size, point.root))
    return seconds, cpu, points


def _mean_ms(times: list[float]) -> float:
    return round(statistics.fmean(times) * 1000, 4)


def proofs(ws: Any, size: int, points: list[tuple[int, bytes]]) -> dict[str, float]:
    """Proofs at the full size: served from the store, then checked."""
    from accord import audit

    root = points[-1][1]
    rng = random.Random(13)
    made, checked = [], []
    for index in (rng.randrange(size) for _ in range(PROOFS)):
        started = time.perf_counter()
        proof = audit.inclusion(ws, index, size)
        made.append(time.perf_counter() - started)
        leaf = audit.leaf_hash(audit.export(ws, index, index + 1)["entries"][0]["entry"].encode())
        started = time.perf_counter()
        audit.verify_inclusion(index, size, leaf, proof, root)
        checked.append(time.perf_counter() - started)
    older = [p for p in points if p[0] < size] or [points[-1]]
    made_c, checked_c = [], []
    for first, first_root in (older[i % len(older)] for i in range(PROOFS)):
        started = time.perf_counter()
        proof = audit.consistency(ws, first, size)
        made_c.append(time.perf_counter() - started)
        started = time.perf_counter()
        audit.verify_consistency(first, size, first_root, root, proof)
        checked_c.append(time.perf_counter() - started)
    return {"inclusion_proof_ms": _mean_ms(made), "consistency_proof_ms": _mean_ms(made_c),
            "verify_inclusion_ms": _mean_ms(checked),
            "verify_consistency_ms": _mean_ms(checked_c)}  # fmt: skip


def store_bytes(ws: Any) -> int:
    """The store's size: SQLite's file and write-ahead log after a checkpoint; the audit
    tables' total size on PostgreSQL."""
    import sqlalchemy as sa

    with ws.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            path = Path(str(ws.engine.url.database))
            return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal"))
                       if p.exists())  # fmt: skip
        found = conn.execute(sa.text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND c.relname LIKE 'audit%' "
            "AND n.nspname = current_schema()"
        )).scalar()  # fmt: skip
        return int(found or 0)


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _written_mb() -> float | None:
    try:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def child(store_url: str | None, entries: int, share: int) -> dict[str, Any]:
    """One store's figures, in this (child) process."""
    from accord import audit
    from accord.store import init_workspace

    with tempfile.TemporaryDirectory(dir=os.environ.get("ACCORD_BENCH_TMP")) as tmp:
        ws = init_workspace(Path(tmp) / "ws", "bench-node", store_url=store_url)
        dialect = ws.engine.dialect.name
        try:
            seconds, cpu, points = append(ws, entries, share)
            written = _written_mb()
            figures = proofs(ws, entries, points)
            started, used = time.perf_counter(), time.process_time()
            done = audit.verify(ws)
            verify_seconds = time.perf_counter() - started
            verify_cpu = time.process_time() - used
            assert done.size == entries, done
            size = store_bytes(ws)
        finally:
            ws.close()
    return {"store": dialect, "entries": entries, "share": share,
            "append_seconds": round(seconds, 2), "append_cpu_s": round(cpu, 2),
            "events_per_s": round(entries / seconds),
            **figures, "verify_log_s": round(verify_seconds, 2),
            "verify_cpu_s": round(verify_cpu, 2),
            "bytes_per_event": round(size / entries, 1), "written_mb": written,
            "peak_rss_mb": _peak_rss_mb()}  # fmt: skip


def _run_child(store_url: str | None, entries: int, share: int) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child", "--entries", str(entries), "--share", str(share)]
    if store_url:
        args += ["--store", store_url]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}  # fmt: skip
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {store_url or 'sqlite'} run failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def _server(given: str | None, skip: bool) -> Iterator[str | None]:
    from tests.postgres import available, throwaway_server

    if skip or (given is None and not available()):
        yield None
    elif given is not None:
        yield given
    else:
        with throwaway_server(durable=True) as url:
            yield url


def main(entries: int, share: int, postgres: str | None, skip_postgres: bool) -> dict[str, Any]:
    sqlite = _run_child(None, entries, share)
    print(json.dumps(sqlite), flush=True)
    on_postgres = None
    with _server(postgres, skip_postgres) as server:
        if server is not None:
            from tests.postgres import scratch_database

            with scratch_database(server, "bench") as url:
                on_postgres = _run_child(url, entries, share)
            print(json.dumps(on_postgres), flush=True)
    summary = {**{k: sqlite[k] for k in KEYS if k in sqlite},
               "events_per_s_postgres": on_postgres and on_postgres["events_per_s"]}  # fmt: skip
    return {k: summary[k] for k in KEYS}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=ENTRIES)
    parser.add_argument(
        "--share",
        type=int,
        help=f"people per bulk share (default {SHARE:,}, or a tenth of the entries when fewer)",
    )
    parser.add_argument("--postgres", help="a PostgreSQL server's URL (maintenance database)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.share = args.share or max(1, min(SHARE, args.entries // 10))
    if args.child:
        print(json.dumps(child(args.store, args.entries, args.share)), flush=True)
    else:
        result = main(args.entries, args.share, args.postgres, args.no_postgres)
        print(json.dumps(result), flush=True)
