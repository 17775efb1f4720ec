"""Exchange benchmark: signed, decided, audited lookups and shares between real nodes.

Two nodes of one federation on loopback, each its own workspace: the GP (A81001, the
provider) holds the ingest benchmark's GP extract (100,000 records by default) as
``registered-patients``, assessed, with 0.5% of its patients opted out (national
scheme); the hospital (RX1) is the recipient, under the worked example agreement with
lookups allowed. The GP serves with ``accord serve --workers W``: one by default, as
``accord serve`` itself runs a node on SQLite (its store has one writer at a time, and
on two cores, the client's and the node's, two workers served no more lookups than one,
with a longer tail; ``--workers 2`` measures that). Set-up is not timed.

Measured, in one run:

* **lookups**: one person each, by NHS number, ``POST /api/v1/lookups`` signed to the
  profile by the hospital's key, from an async client at fixed concurrency; the node
  verifies the signature against the trust list, checks the nonce, decides under the
  agreement, honours opt-outs, pseudonymises, records ``disclosure.decided``,
  ``records.disclosed`` and ``exchange.served``, and signs its answer. Throughput, and
  p50/p99 latency at that rate;
* **bare lookups**: the same people from a bare FastAPI route (no signature, policy nor
  audit) that reads the same snapshot loaded the same way (an in-memory DuckDB table),
  served by uvicorn with the same number of workers, at the same concurrency; both
  measured in alternating rounds (``--rounds``), so that both meet the machine alike;
* **a share**: the whole dataset (every record but the opted-out) by ``Client.share``:
  signed, decided, minimised and pseudonymised, one ``records.disclosed`` per person,
  streamed as Arrow IPC, verified and kept as a snapshot by the hospital.

Prints a table, then as its last line one JSON object: ``{"lookups_per_s",
"bare_lookups_per_s", "overhead_ratio", "p50_ms", "p99_ms", "share_100k_s",
"share_rows_per_s", "peak_rss_mb"}`` (overhead_ratio = bare / ours; peak RSS: the
provider's largest server process). Goals on the 2-core machine: overhead_ratio <= 2
(X-Road's measured cost is about 9), p99 <= 50 ms, the 100,000-record share <= 10 s.

    python benchmarks/exchange.py [--rows N] [--lookups N] [--concurrency C] [--workers W]
                                   [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fastapi import FastAPI, Request, Response

from ingest import AS_OF, extract

GP, HOSPITAL = "A81001", "RX1"
DATASET = "registered-patients"
AGREEMENT = "gp-hospital-admission-risk"
PURPOSE = "admission-risk-stratification"
OPTED_OUT = 0.005
STAFF = {"by_role": "benchmark", "reason": "the benchmark's opted-out patients"}
CONTEXT = {"agreement": AGREEMENT, "purpose": PURPOSE, "role": "care-coordinator",
           "case": "BENCH-1"}  # fmt: skip
STARTUP = 180.0


@dataclass
class Federation:
    root: Path
    gp: Path
    hospital: Path
    gp_port: int
    numbers: list[str]
    snapshot: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(root: Path, rows: int) -> Federation:
    """The authority, both nodes, the GP's dataset assessed, the agreement active."""
    import yaml

    from accord.agreements import activate, example_text, parse, sign_in_workspace
    from accord.agreements import node_key as key_of
    from accord.exchange import (
        MemberRole,
        add_member,
        fetch,
        init_authority,
        publish,
        raw_public_key,
    )
    from accord.quality import assess
    from accord.sources import get_snapshot, ingest
    from accord.store import init_workspace

    authority = init_authority(root / "authority", "bench.example.nhs.uk")
    pinned = raw_public_key(authority.public_key)
    ports = {"gp": free_port(), "hospital": free_port()}
    nodes = {}
    for org, node_id, name in (("gp", GP, "Riverside Medical Practice"),
                               ("hospital", HOSPITAL, "Riverside Hospitals")):  # fmt: skip
        ws = init_workspace(root / org, org, node_id=node_id)
        roles = (MemberRole.PROVIDER, MemberRole.RECIPIENT)
        add_member(authority, node_id=node_id, org=org, name=name, roles=roles,
                   base_url=f"http://127.0.0.1:{ports[org]}", key=key_of(ws).public_key(),
                   by_role="benchmark")  # fmt: skip
        with (ws.root / "accord.toml").open("a", encoding="utf-8") as fh:
            fh.write(f'trust_list_url = "{root / "trust-list.json"}"\n'
                     f'trust_list_key = "{pinned}"\n')  # fmt: skip
        nodes[org] = ws
    publish(authority, root / "trust-list.json")
    authority.close()
    gp, hospital = nodes["gp"], nodes["hospital"]
    for ws in (gp, hospital):
        ws.close()
    from accord.store import open_workspace

    gp, hospital = open_workspace(root / "gp"), open_workspace(root / "hospital")
    for ws in (gp, hospital):
        fetch(ws)  # the trust list also fills each node's registry of parties' keys
    csv_path, mapping = extract(rows, 7)
    ingest(gp, str(csv_path), mapping, DATASET, as_of=AS_OF)
    assess(gp, DATASET)
    data = yaml.safe_load(example_text())
    # The GP's dataset only: the hospital provides nothing here.
    data["datasets"] = [{**data["datasets"][0], "lookups": True, "minimum_kitemark": "bronze"}]
    agreement, _ = sign_in_workspace(gp, parse(data))
    both, _ = sign_in_workspace(hospital, agreement)
    sign_in_workspace(gp, both)
    for ws in (gp, hospital):
        activate(ws, agreement.id)
    snapshot = gp.root / get_snapshot(gp.engine, DATASET).path
    numbers = _numbers(snapshot)
    from accord.privacy import register_opt_out

    for number in numbers[: int(len(numbers) * OPTED_OUT)]:
        register_opt_out(gp, "national", number, **STAFF)
    gp.close()
    hospital.close()
    return Federation(root, root / "gp", root / "hospital", ports["gp"], numbers, snapshot)


def _numbers(snapshot: Path) -> list[str]:
    import duckdb

    with duckdb.connect() as conn:
        found = conn.execute(
            f"SELECT DISTINCT nhs_number FROM read_parquet('{snapshot}') "
            "WHERE nhs_number IS NOT NULL AND nhs_number_issue IS NULL ORDER BY nhs_number"
        ).fetchall()
    numbers = [str(r[0]) for r in found]
    random.Random(14).shuffle(numbers)
    return numbers


@contextmanager
def serving(command: list[str], port: int, log: Path) -> Any:
    """A server process until the block ends; its largest process's peak RSS after."""
    import httpx
    import psutil

    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    peaks: dict[int, float] = {}
    try:
        deadline = time.monotonic() + STARTUP
        while True:
            if process.poll() is not None:
                raise SystemExit(f"server exited {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"server did not start:\n{log.read_text()}")
            time.sleep(0.2)

        def sample() -> float:
            tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]
            for p in tree:
                with suppress(OSError, psutil.Error):
                    peaks[p.pid] = max(peaks.get(p.pid, 0.0), _hwm_mb(p.pid))
            return max(peaks.values(), default=0.0)

        def cpu() -> float:
            """CPU seconds the server's processes have used so far."""
            total = 0.0
            for p in [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]:
                with suppress(OSError, psutil.Error):
                    times = p.cpu_times()
                    total += times.user + times.system
            return total

        sample.cpu = cpu  # type: ignore[attr-defined]
        yield sample
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _hwm_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


def accord_serve(root: Path, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "accord.cli", "serve", "-w", str(root), "--port", str(port),
            "--workers", str(workers), "--stop-after", "3600",
            "--watch-pid", str(os.getpid())]  # fmt: skip


def bare_serve(snapshot: Path, port: int, workers: int) -> list[str]:
    return [sys.executable, __file__, "--bare", str(snapshot), "--port", str(port),
            "--workers", str(workers)]  # fmt: skip


# The bare route: the same snapshot, loaded as the node's lookups load it, answered with
# no signature, no decision, no opt-outs, no pseudonyms and no audit.
BARE_FIELDS = ("record_id", "nhs_number", "date_of_birth", "sex", "postcode_district")


def bare_app() -> Any:
    import duckdb

    snapshot = os.environ["ACCORD_BENCH_SNAPSHOT"]
    conn = duckdb.connect()
    conn.execute(f"CREATE TABLE people AS SELECT * FROM read_parquet('{snapshot}')")
    conn.execute("CREATE INDEX people_nhs ON people (nhs_number)")
    app = FastAPI()
    select = f"SELECT {', '.join(BARE_FIELDS)} FROM people WHERE nhs_number = ?"

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/lookup")
    async def lookup(request: Request) -> Response:
        asked = json.loads(await request.body())
        cursor = conn.cursor()
        try:
            rows = cursor.execute(select, [asked["person"]["nhs_number"]]).fetchall()
        finally:
            cursor.close()
        records = [dict(zip(BARE_FIELDS, (str(v) if v is not None else None for v in r),
                            strict=True)) for r in rows]  # fmt: skip
        return Response(json.dumps({"records": records}), media_type="application/json")

    return app


def run_bare(snapshot: str, port: int, workers: int) -> None:
    import uvicorn

    os.environ["ACCORD_BENCH_SNAPSHOT"] = snapshot
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    uvicorn.run("exchange:bare_app", factory=True, host="127.0.0.1", port=port,
                workers=workers, log_level="warning", access_log=False)  # fmt: skip


def lookup_body(number: str) -> bytes:
    return json.dumps({"context": CONTEXT, "dataset": DATASET,
                       "person": {"nhs_number": number}}).encode()  # fmt: skip


async def load(
    url: str, numbers: list[str], concurrency: int, sign: Any | None
) -> tuple[float, list[float], dict[int, int]]:
    """Requests per second, each latency (ms), and the statuses answered."""
    import httpx

    queue = list(numbers)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:

        async def worker() -> None:
            while queue:
                body = lookup_body(queue.pop())
                request = http.build_request(
                    "POST", url, content=body, headers={"Content-Type": "application/json"}
                )
                if sign is not None:
                    sign(request, body)
                started = time.perf_counter()
                response = await http.send(request)
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return len(numbers) / seconds, latencies, statuses


def signer(hospital: Path) -> Any:
    from accord.agreements import node_key
    from accord.exchange import sign_request
    from accord.store import open_workspace

    with open_workspace(hospital) as ws:
        key = node_key(ws)

    def sign(request: Any, body: bytes) -> None:
        sign_request(request, body, node_id=HOSPITAL, key=key, created=datetime.now(UTC))

    return sign


def share(hospital: Path) -> tuple[float, int]:
    from accord.exchange import Client, RequestContext, ShareRequest
    from accord.store import open_workspace

    with open_workspace(hospital) as ws, Client(ws) as client:
        asked = ShareRequest(context=RequestContext(**CONTEXT), dataset=DATASET)
        started = time.perf_counter()
        delivered = client.share(GP, asked)
        return time.perf_counter() - started, delivered.records


def signature_costs(count: int = 300) -> dict[str, float]:
    """CPU milliseconds per operation of the RFC 9421 profile alone, in this process:
    a lookup's request signed and verified, its answer signed and verified (the
    ``http-message-signatures`` library's canonicalisation and an Ed25519 signature)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from accord.exchange import (
        Headers,
        RequestMessage,
        ResponseMessage,
        sign_request,
        sign_response,
        verify_request,
        verify_response,
    )

    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    body = lookup_body("9434765919")
    answer = json.dumps({"records": [{"nhs_number": "P1-abc"}]}).encode()
    url = "http://127.0.0.1:8000/api/v1/lookups"

    def request() -> RequestMessage:
        return RequestMessage("POST", url, Headers([("content-type", "application/json")]))

    signed_requests = []
    signed_responses = []
    costs: dict[str, float] = {}
    for name, step in (
        ("sign_request", lambda: signed_requests.append(
            _signed(request(), lambda m: sign_request(m, body, node_id=HOSPITAL, key=key)))),
        ("verify_request", lambda: verify_request(
            signed_requests.pop(), body, lambda _: public)),
        ("sign_response", lambda: signed_responses.append(_signed(
            ResponseMessage(200, Headers([("content-type", "application/json")])),
            lambda m: sign_response(m, answer, node_id=GP, key=key)))),
        ("verify_response", lambda: verify_response(
            signed_responses.pop(), answer, GP, public)),
    ):  # fmt: skip
        started = time.thread_time()
        for _ in range(count):
            step()
        costs[name] = (time.thread_time() - started) / count * 1000
    return costs


def _signed(message: Any, sign: Any) -> Any:
    sign(message)
    return message


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=3_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--bare", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        run_bare(args.bare, args.port, args.workers)
        return
    with tempfile.TemporaryDirectory(prefix="accord-bench-exchange-") as tmp:
        root = Path(tmp)
        print(f"setting up: {args.rows:,} records, two nodes, the agreement ...", flush=True)
        fed = prepare(root, args.rows)
        warm = fed.numbers[: min(200, len(fed.numbers))]
        asked = [random.Random(i).choice(fed.numbers) for i in range(args.lookups)]
        bare_port = free_port()
        sign = signer(fed.hospital)
        with serving(bare_serve(fed.snapshot, bare_port, args.workers), bare_port,
                     root / "bare.log") as bare_peak, \
             serving(accord_serve(fed.gp, fed.gp_port, args.workers), fed.gp_port,
                     root / "gp.log") as peak:  # fmt: skip
            routes = {
                "bare": (f"http://127.0.0.1:{bare_port}/lookup", None, bare_peak),
                "ours": (f"http://127.0.0.1:{fed.gp_port}/api/v1/lookups", sign, peak),
            }
            for url, signs, _ in routes.values():
                asyncio.run(load(url, warm, args.concurrency, signs))
            runs = rounds(routes, asked, args.concurrency, args.rounds)
            peak()
            if set(runs["ours"].statuses) != {200}:
                raise SystemExit(f"lookups answered {runs['ours'].statuses}:\n"
                                 f"{(root / 'gp.log').read_text()}")  # fmt: skip
            seconds, records = share(fed.hospital)
            rss = peak()
    ours, bare = runs["ours"], runs["bare"]
    costs = signature_costs()
    print("the signature profile alone, CPU per operation: " + ", ".join(
        f"{k.replace('_', ' ')} {v:.2f} ms" for k, v in costs.items()))  # fmt: skip
    print(f"server CPU per lookup: through the node {ours.cpu_ms:.1f} ms, bare route "
          f"{bare.cpu_ms:.1f} ms ({ours.cpu_ms / bare.cpu_ms:.2f}x; a figure the machine's "
          "other load moves less than throughput)")  # fmt: skip
    report(args, ours.rate, bare.rate, bare.statuses, ours.latencies, seconds, records, rss)


@dataclass
class Run:
    """One route's lookups over all rounds."""

    seconds: float = 0.0
    count: int = 0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    @property
    def cpu_ms(self) -> float:
        """The server's CPU milliseconds per lookup."""
        return self.cpu / self.count * 1000


def rounds(
    routes: dict[str, Any], asked: list[str], concurrency: int, count: int
) -> dict[str, Run]:
    """The lookups ``asked`` in ``count`` rounds, each round a share of them through
    every route in turn (the order alternating): the routes see the machine alike, where
    one after the other each met whatever else the machine was doing in its own minute
    (the bare route's rate moved by a fifth between runs a minute apart)."""
    runs = {name: Run() for name in routes}
    for n in range(count):
        part = asked[n::count]
        for name in list(routes) if n % 2 == 0 else list(reversed(routes)):
            url, sign, server = routes[name]
            spent = server.cpu()
            rate, latencies, statuses = asyncio.run(load(url, part, concurrency, sign))
            run = runs[name]
            run.cpu += server.cpu() - spent
            run.seconds += len(part) / rate
            run.count += len(part)
            run.latencies += latencies
            for status, times in statuses.items():
                run.statuses[status] = run.statuses.get(status, 0) + times
    return runs


def report(
    args: argparse.Namespace, ours: float, bare: float, bare_statuses: dict[int, int],
    latencies: list[float], seconds: float, records: int, rss: float,
) -> None:  # fmt: skip
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    print(f"lookups through the node ({args.workers} workers, concurrency "
          f"{args.concurrency}, {args.lookups:,} people): {ours:,.0f}/s, p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms, mean {statistics.fmean(latencies):.1f} ms")  # fmt: skip
    print(f"bare route, same snapshot, same workers: {bare:,.0f}/s ({bare_statuses})")
    print(f"share of {args.rows:,} records ({records:,} sent, opted-out withheld): "
          f"{seconds:.2f} s, {records / seconds:,.0f} records/s; "
          f"provider peak RSS {rss:,.0f} MB")  # fmt: skip
    print(json.dumps({
        "lookups_per_s": round(ours, 1),
        "bare_lookups_per_s": round(bare, 1),
        "overhead_ratio": round(bare / ours, 2),
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "share_100k_s": round(seconds, 2),
        "share_rows_per_s": round(records / seconds),
        "peak_rss_mb": round(rss, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
