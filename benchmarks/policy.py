"""Policy benchmark: decisions per second against a store of 1,000 agreements.

Data: 1,000 agreements made from the worked example (``accord agreement new``), each
between two of 200 organisations, with one to three datasets of six to twelve fields
and one or two purposes; every one signed by both parties' Ed25519 keys and activated
in a fresh workspace on the embedded store (SQLite), whose peer registry holds the 200
organisations' keys (each step recorded in the audit log); 5% are then suspended. The
decision index is loaded from the store once, then 200,000 pre-built requests are
decided on one core (Python is single-threaded here): about 70% fit an agreement and
30% are denied for a realistic spread of reasons (purpose, an extra field, a low
kitemark, not a party, a suspended agreement, a limit).

Prints a table, then as its last line one JSON object:
``{"agreements", "decisions_per_s", "extract_rows", "optout_pseudonymise_rows_per_s",
"peak_rss_mb"}``. Goal: >= 20,000 decisions/s. ``extract_rows`` and
``optout_pseudonymise_rows_per_s`` come from :func:`privacy_rate` (the privacy
context's part, measured by ``benchmarks/disclosure.py``); goal >= 1,000,000 rows/s.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.agreements import (
    Agreement,
    Kitemark,
    Request,
    Usage,
    activate,
    add_peer,
    example_text,
    parse,
    policy_index,
    record,
    sign,
    suspend,
)
from accord.store import init_workspace

ON = date(2026, 11, 22)
FIELDS = [f"field_{i:02d}" for i in range(20)]
PURPOSES = [f"purpose-{i}" for i in range(12)]
KITEMARKS = [Kitemark.BRONZE, Kitemark.SILVER, Kitemark.GOLD]


def privacy_rate() -> dict[str, Any]:
    """``{"extract_rows", "optout_pseudonymise_rows_per_s"}``: a 1,000,000-row extract put
    through two opt-out registers, minimisation and pseudonymisation
    (``benchmarks/disclosure.py``, which describes the data)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from disclosure import privacy_rate as measured

    figures = measured()
    return {k: figures[k] for k in ("extract_rows", "optout_pseudonymise_rows_per_s")}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_agreement(i: int, rng: random.Random, orgs: list[str]) -> Agreement:
    data = yaml.safe_load(example_text())
    a, b = rng.sample(orgs, 2)
    data["id"] = f"agreement-{i:04d}"
    data["parties"] = [{"org": a, "name": a.upper(), "role": "controller"},
                       {"org": b, "name": b.upper(), "role": "controller"}]  # fmt: skip
    data["contacts"] = [{**c, "org": a} for c in data["contacts"]]
    data["purposes"] = [{"code": p, "description": p}
                        for p in rng.sample(PURPOSES, rng.randint(1, 2))]  # fmt: skip
    data["datasets"] = []
    for d in range(rng.randint(1, 3)):
        provider, recipient = (a, b) if d % 2 == 0 else (b, a)
        fields = rng.sample(FIELDS, rng.randint(6, 12))
        data["datasets"].append({
            "name": f"dataset-{i % 97}-{d}", "provider": provider, "recipients": [recipient],
            "data_subjects": ["Residents"],
            "fields": [{"name": f, "treatment": rng.choice(["identifying", "pseudonymised"])}
                       for f in fields],
            "minimum_kitemark": rng.choice(KITEMARKS[:2]).value,
        })  # fmt: skip
    return parse(data)


def fitting(a: Agreement, rng: random.Random) -> Request:
    d = rng.choice(a.datasets)
    names = [f.name for f in d.fields]
    return Request(requester=d.recipients[0], purpose=rng.choice(a.purposes).code,
                   dataset=d.name, fields=tuple(rng.sample(names, rng.randint(2, len(names)))),
                   kitemark=Kitemark.GOLD, on=ON, rows=rng.randint(1, 50_000),
                   usage=Usage(requests=rng.randint(0, 20)),
                   agreement_id=rng.choice([None, a.id]))  # fmt: skip


def requests(agreements: list[Agreement], n: int, rng: random.Random) -> list[Request]:
    spoilers = [
        lambda r: replace(r, purpose="marketing"),
        lambda r: replace(r, fields=(*r.fields, "field_99")),
        lambda r: replace(r, kitemark=Kitemark.NOT_YET_RATED),
        lambda r: replace(r, requester="stranger"),
        lambda r: replace(r, usage=Usage(requests=40)),
        lambda r: replace(r, rows=200_000),
    ]
    made = []
    for _ in range(n):
        r = fitting(rng.choice(agreements), rng)
        made.append(rng.choice(spoilers)(r) if rng.random() < 0.3 else r)
    return made


def build_store(root: Path, count: int, rng: random.Random) -> Any:
    orgs = [f"org-{i:03d}" for i in range(200)]
    keys = {org: Ed25519PrivateKey.generate() for org in orgs}
    ws = init_workspace(root / "node", "bench")
    for org, key in keys.items():  # the node's peer registry: every party's key
        add_peer(ws, org, key.public_key(), added_by="benchmark")
    agreements = []
    for i in range(count):
        a = make_agreement(i, rng, orgs)
        for party in a.parties:
            a = sign(a, party.org, keys[party.org])
        record(ws, a)
        activate(ws, a.id, on=ON)
        agreements.append(a)
    for a in rng.sample(agreements, count // 20):
        suspend(ws, a.id, "benchmark")
    return ws, agreements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agreements", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="accord-policy-") as tmp:
        print(f"storing {args.agreements:,} signed agreements...", file=sys.stderr)
        start = time.perf_counter()
        ws, agreements = build_store(Path(tmp), args.agreements, rng)
        stored_s = time.perf_counter() - start
        start = time.perf_counter()
        index = policy_index(ws)
        load_s = time.perf_counter() - start
        ws.close()
    batch = requests(agreements, args.requests, rng)
    decide = index.decide
    start = time.perf_counter()
    permits = sum(decide(r).permit for r in batch)
    seconds = time.perf_counter() - start
    rate = len(batch) / seconds
    print(f"agreements stored and activated: {args.agreements:,} in {stored_s:.1f} s")
    print(f"index loaded from the store:    {len(index):,} agreements in {load_s:.2f} s")
    print(f"decisions: {len(batch):,} in {seconds:.2f} s = {rate:,.0f}/s on one core "
          f"({permits / len(batch):.0%} permitted); goal >= 20,000/s")  # fmt: skip
    print(f"peak RSS {peak_rss_mb():,.0f} MB")
    print(json.dumps({"agreements": len(index), "decisions_per_s": round(rate),
                      **privacy_rate(), "peak_rss_mb": round(peak_rss_mb(), 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
