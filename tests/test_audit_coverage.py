"""Every public function that hands out person-level data records it: found by effect.

The check does not trust a list of "functions that read personal data". It walks the
public face (``__all__``) of every context that can reach the node's person-level data
(snapshots and quarantine through ``sources``, the opt-out register, the audit log's
person index), takes every function that reaches the node (a ``Workspace``, its
``Engine`` or a ``Connection``, or a ``SnapshotInfo``), and calls each on a real
workspace whose records carry canary values. A function whose result, or any file it
wrote, holds a canary hands out person-level data: it must declare the events it
records (``@audit.audited``), and every declared event must then be in the log, read
back through the audit face. A new public function fails here until it has a driver
(how to call it); it cannot be forgotten. Contexts left out are listed with the reason,
and a test checks that they still cannot reach person-level data.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import shutil
import typing
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord import audit, catalog, privacy, sources
from accord.scenarios import generate
from accord.store import Workspace, init_workspace
from tests.audit.support import nhs_numbers

SRC = Path(__file__).resolve().parents[1] / "src" / "accord"
COVERED = ("sources", "privacy", "quality", "linkage", "catalog", "audit")
EXCLUDED = {
    "people": "standardises values it is handed; it has no store and reads no file",
    "scenarios": "writes synthetic people; it reads nothing of a node's",
    "store": "persistence primitives; the use cases above them record",
    "agreements": "agreements and their lifecycle hold no person-level rows; of a dataset "
    "they read only its snapshot's metadata (column names, version) and its kitemark "
    "(governance acts are checked command by command in tests/cli/test_audit_coverage.py)",
    "cli": "calls the faces checked here",
    "portal": "web pages over the faces checked here; its pages run in a real server "
    "process a browser drives (tests/portal), which this in-process harness cannot; of "
    "sources it asks only holds_person (yes or no: is this NHS number and date of birth in "
    "a snapshot, the local identity provider's check, never a record) for a citizen "
    "signing in or a steward finding a person; a person's uses and opt-outs come from "
    "audit (uses, own_subject_access, subject_access) and privacy (opted_out, the opt-out "
    "acts), which record what they must: checked in tests/portal/test_citizen_uses.py and "
    "tests/portal/test_people.py",
    "accounts": "staff accounts and sessions: no person-level rows; a citizen's session "
    "holds the person key and (sealed) NHS number the citizen gave to sign in, which is no "
    "use of anyone's data by anyone else; every act on an account and every staff sign-in "
    "is recorded (tests/accounts/test_service.py, tests/cli/test_audit_coverage.py)",
    "exchange": "its shares and lookups reach person-level rows only through faces checked "
    "here (privacy.disclose_in and disclose, sources.adopt) and record each use between "
    "real processes, which this in-process harness cannot drive (a peer must answer): "
    "records.disclosed, exchange.served and exchange.received are checked in "
    "tests/exchange/test_shares.py; a person's uses come from audit.subject_access, which "
    "records them (tests/exchange/test_audit_api.py); checkpoints, proofs (hashes) and "
    "usage counts hold no person-level rows; refusals and trust-list acts are recorded "
    "(tests/exchange)",
}
CHECKED_BETWEEN_PROCESSES = {"exchange", "portal"}
"""Excluded contexts that do reach person-level data, each checked by its own real-process
tests (named in :data:`EXCLUDED`)."""
# Where person-level rows live: reaching them means importing one of these.
PERSON_LEVEL = {"accord.sources", "quarantine", "opt_outs", "snapshots", "audit_entries"}
# What of sources tells about a snapshot without reading its rows: an excluded context may
# import these (agreements checks an agreement's fields against a snapshot's columns).
SNAPSHOT_METADATA = {"get_snapshot", "latest_snapshots", "snapshot_history", "SnapshotInfo",
                     "UnknownDataset"}  # fmt: skip
EXEMPT = {
    "privacy.load_registers": "unseals the opt-out register in memory for the disclosure "
    "query that applies it; disclose_in records that disclosure, and the register's "
    "contents never leave the node",
}
NODE_TYPES = {Workspace, sa.Engine, sa.Connection, sources.SnapshotInfo}

CANARY = "zedcanary"
CANARY_NHS, OPTED, FRESH, WITHDRAWN, *OTHERS = nhs_numbers(16)
MISTYPED = CANARY_NHS[:9] + str((int(CANARY_NHS[9]) + 1) % 10)
STAFF = {"by_role": "data steward", "reason": "coverage of the audit log"}
AGREEMENT = "canary-dsa"


@dataclass
class Node:
    """The canary workspace and what the drivers need of it."""

    ws: Workspace
    snap: sources.SnapshotInfo
    files: Path
    linkage: Path

    def out(self, name: str) -> Path:
        """A file for a function to write (in ``out/``, where the check looks)."""
        folder = self.files / "out" / uuid.uuid4().hex
        folder.mkdir(parents=True)
        return folder / name

    def inputs(self) -> Path:
        """A folder for a driver's own files (not looked at)."""
        folder = self.files / "in" / uuid.uuid4().hex
        folder.mkdir(parents=True)
        return folder


def _patients(folder: Path) -> tuple[str, Path]:
    rows = [f"C1,Zedcanary,Quillion,{CANARY_NHS},1980-02-29,SW1A 1AA,2",
            f"C2,Ann,Lee,{MISTYPED},1971-03-01,NOT A POSTCODE,0",
            f"C3,Opted,Out,{OPTED},1960-01-01,M1 1AA,1",
            "C4,Zedcanary,Quarantined,too,many,values,in,this,row"]  # fmt: skip
    rows += [f"P{i},Bob,Stone,{n},1990-01-0{i % 9 + 1},LS1 4AP,{i}" for i, n in enumerate(OTHERS)]
    source = folder / "patients.csv"
    source.write_text("id,first,last,nhs,dob,postcode,admissions\n" + "\n".join(rows) + "\n")
    mapping = folder / "patients.yaml"
    mapping.write_text(
        "fields: {record_id: id, given_name: first, family_name: last, nhs_number: nhs, "
        "date_of_birth: dob, postcode: postcode}\nattributes: [admissions]\n"
    )
    return str(source), mapping


@pytest.fixture(scope="module")
def linkage_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("linkage")
    generate("gp-hospital-council", 300, folder, seed=5, organisations=["gp", "hospital"],
             as_of=date(2026, 11, 22))  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def node(
    module_store_url: str, tmp_path_factory: pytest.TempPathFactory, linkage_files: Path
) -> Iterator[Node]:
    files = tmp_path_factory.mktemp("coverage")
    ws = init_workspace(files / "ws", "canary-node", store_url=module_store_url)
    try:
        source, mapping = _patients(files)
        snap = sources.ingest(ws, source, mapping, "patients").snapshot
        privacy.register_opt_out(ws, "national", OPTED, **STAFF)
        (files / "out").mkdir()
        yield Node(ws, snap, files, linkage_files)
    finally:
        ws.close()


PLANNING = privacy.Disclosure(AGREEMENT, privacy.LawfulBasis.PUBLIC_TASK, "planning",
                              privacy.Output.PSEUDONYMISED)  # fmt: skip
SHARE = privacy.Share(recipient="Riverside Hospital Trust", recipient_role="analyst",
                      legal_basis="UK GDPR Art 6(1)(e)", gateway="NHS Act 2006 s251")  # fmt: skip


def _pseudonyms(n: Node) -> list[str]:
    version = privacy.current_key_version(n.ws.engine, AGREEMENT)
    secret = privacy.read_secret(n.ws.root / "keys")
    return [privacy.pseudonym(secret, AGREEMENT, version, v) for v in (CANARY_NHS, MISTYPED)]


def _link(n: Node) -> dict[str, Any]:
    f = n.linkage
    return {"left": str(f / "gp.csv"), "right": str(f / "hospital.xlsx"),
            "left_mapping": f / "gp.mapping.yaml", "right_mapping": f / "hospital.mapping.yaml",
            "out": n.out("pairs.csv"), "workspace": n.ws, "as_of": date(2026, 11, 22)}  # fmt: skip


def _run_event(n: Node) -> catalog.RunEvent:
    here = catalog.node_namespace(n.ws)
    return catalog.RunEvent(
        event_type=catalog.EventType.COMPLETE, event_time=datetime.now(UTC),
        run_id=catalog.RunId(str(uuid.uuid4())), job=catalog.Job(here, "coverage"),
        inputs=(catalog.snapshot_ref(n.ws, "patients"),),
        outputs=(catalog.DatasetRef(here, "derived", "sha256:" + "e" * 64),),
    )  # fmt: skip


def _described() -> catalog.DatasetMetadata:
    return catalog.DatasetMetadata.model_validate({
        "title": "Patients", "description": "Registered patients.",
        "owner": {"organisation": "GP", "contact": {"name": "Data team", "email": "d@gp.example"}},
        "collection_method": "At registration.", "update_frequency": "monthly",
        "legal_basis": "UK GDPR Art 6(1)(e)", "special_category": True,
    })  # fmt: skip


def _registered(n: Node, number: str) -> str:
    privacy.register_opt_out(n.ws, "national", number, **STAFF)
    return number


def _received(n: Node) -> Path:
    """A Parquet file as another node would have shared it (a copy of a snapshot)."""
    path = n.out("received.parquet")
    shutil.copyfile(n.ws.root / sources.get_snapshot(n.ws.engine, "patients").path, path)
    return path


def _log_size(n: Node) -> int:
    return len(list(audit.entries(n.ws)))


# How to call each function, beyond what its parameters' names and types give (below).
DRIVERS: dict[str, Callable[[Node], dict[str, Any]]] = {
    "sources.export_snapshot": lambda n: {"out": n.out("export.csv"), **STAFF},
    "sources.ingest": lambda n: (
        dict(zip(("source", "mapping_path"), _patients(n.inputs()), strict=True))
        | {"dataset": "again"}
    ),
    "sources.quarantined": lambda n: STAFF,
    "sources.adopt": lambda n: {
        "parquet": _received(n),
        "dataset": "received",
        "source": "RX1 (a share)",
        "source_kind": "exchange",
    },
    "sources.holds_person": lambda n: {"born": date(1980, 2, 29)},
    "privacy.register_opt_out": lambda n: {"nhs_number": FRESH, **STAFF},
    "privacy.withdraw_opt_out": lambda n: {"nhs_number": _registered(n, WITHDRAWN), **STAFF},
    "privacy.load_registers": lambda n: {"secret": privacy.read_secret(n.ws.root / "keys")},
    "privacy.register_own_opt_out": lambda n: {"nhs_number": OTHERS[2], "provider": "local"},
    "privacy.withdraw_own_opt_out": lambda n: {
        "nhs_number": _registered(n, OTHERS[3]),
        "provider": "local",
    },
    "privacy.retire_key": lambda n: {"version": privacy.rotate_key(n.ws.engine, AGREEMENT)},
    "privacy.disclose_in": lambda n: {
        "out": n.out("shared.parquet"),
        "disclosure": PLANNING,
        "share": SHARE,
        "minimisation": privacy.Minimisation(
            ("given_name", "nhs_number"), {"nhs_number": privacy.Treatment.PSEUDONYMISE}
        ),
    },
    "privacy.reidentify_in": lambda n: {"pseudonyms": _pseudonyms(n), **STAFF},
    "quality.assess": lambda n: {"samples": 5},
    "linkage.link": _link,
    "linkage.dedupe": lambda n: {
        "source": _link(n)["left"],
        "mapping": _link(n)["left_mapping"],
        "out": n.out("clusters.csv"),
        "workspace": n.ws,
        "as_of": date(2026, 11, 22),
    },
    "catalog.describe": lambda n: {"metadata": _described()},
    "catalog.export": lambda n: {"format_name": "datapackage"},
    "catalog.lineage": lambda n: {"subjects": [catalog.snapshot_ref(n.ws, "patients")]},
    "catalog.record_derivation": lambda n: {
        "job": catalog.Job(catalog.node_namespace(n.ws), "coverage"),
        "inputs": [catalog.snapshot_ref(n.ws, "patients")],
        "outputs": [
            catalog.DatasetRef(catalog.node_namespace(n.ws), "derived", "sha256:" + "f" * 64)
        ],
    },
    "catalog.record_event": lambda n: {"event": _run_event(n)},
    "audit.add_cosignature": lambda n: _cosignature(n),
    "audit.cosigned_note": lambda n: {"size": _log_size(n)},
    "catalog.file_ref": lambda n: {"path": n.files / "out" / "pairs.csv"},
    "catalog.source_ref": lambda n: {"kind": "csv", "source": str(n.files / "people.csv")},
    "audit.consistency": lambda n: {"first": 1, "second": _log_size(n)},
    "audit.export": lambda n: {"start": 0, "end": _log_size(n)},
    "audit.inclusion": lambda n: {"index": 0, "size": _log_size(n)},
    "audit.leaf": lambda n: {"index": 0},
    "audit.proven_entry": lambda n: {"index": 0},
    "audit.recorded_between": lambda n: {
        "types": list(audit.EVENT_TYPES),
        "since": datetime(2000, 1, 1, tzinfo=UTC),
        "until": datetime(2100, 1, 1, tzinfo=UTC),
    },
    "audit.record_each": lambda n: {
        "event": audit.PersonViewed(person=audit.person_key(n.ws, OTHERS[0]), **STAFF),
        "people": [audit.person_key(n.ws, OTHERS[1])],
    },
    "audit.subject_access": lambda n: {"out": n.out("sar.json"), **STAFF},
    "audit.own_subject_access": lambda n: {"provider": "local"},
    "audit.verify": lambda n: {"record": True},
}


def _cosignature(n: Node) -> dict[str, Any]:
    """A witness's cosignature of the node's newest checkpoint, by a key made here."""
    newest = audit.checkpoints(n.ws, limit=1).checkpoints[0]
    key, name = Ed25519PrivateKey.generate(), "witness.example/w1"
    return {"size": newest.checkpoint.size, "root": newest.checkpoint.root,
            "line": audit.cosign(newest.note, name, key, datetime.now(UTC)),
            "witness": "AU1", "name": name, "key": key.public_key()}  # fmt: skip


# Values for parameters by name, when a driver does not give them.
BY_NAME: dict[str, Callable[[Node], Any]] = {
    "dataset": lambda n: "patients",
    "name": lambda n: "patients",
    "agreement_id": lambda n: AGREEMENT,
    "scheme": lambda n: "national",
    "nhs_number": lambda n: CANARY_NHS,
    "person": lambda n: audit.person_key(n.ws, CANARY_NHS),
    "snapshot_id": lambda n: n.snap.id,
}
BY_TYPE: dict[object, Callable[[Node], Any]] = {
    Workspace: lambda n: n.ws,
    sa.Engine: lambda n: n.ws.engine,
    sources.SnapshotInfo: lambda n: n.snap,
}


def _types(annotation: object) -> set[object]:
    """The classes in an annotation (``Workspace | None`` gives ``Workspace``)."""
    found = {annotation} if isinstance(annotation, type) else set()
    for arg in typing.get_args(annotation):
        found |= _types(arg)
    return found


def _reaching() -> dict[str, Callable[..., Any]]:
    """Every public function of the covered contexts that takes a handle on the node."""
    found = {}
    for context in COVERED:
        face = importlib.import_module(f"accord.{context}")
        for name in face.__all__:
            function = getattr(face, name)
            if not inspect.isfunction(function):
                continue
            hints = typing.get_type_hints(function)
            hints.pop("return", None)
            if any(_types(t) & NODE_TYPES for t in hints.values()):
                found[f"{context}.{name}"] = function
    return found


REACHING = _reaching()


def _arguments(
    name: str, function: Callable[..., Any], n: Node, conn: sa.Connection
) -> dict[str, Any]:
    given = dict(DRIVERS[name](n)) if name in DRIVERS else {}
    hints = typing.get_type_hints(function)
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name in given or parameter.kind in (parameter.VAR_POSITIONAL,
                                                         parameter.VAR_KEYWORD):  # fmt: skip
            continue
        types = _types(hints.get(parameter.name))
        if sa.Connection in types:
            given[parameter.name] = conn
        elif parameter.name in BY_NAME:
            given[parameter.name] = BY_NAME[parameter.name](n)
        elif typed := next((BY_TYPE[t] for t in types if t in BY_TYPE), None):
            given[parameter.name] = typed(n)
        elif parameter.default is parameter.empty:
            raise AssertionError(f"{name}: add a driver in DRIVERS for its {parameter.name!r}")
    return given


def _text(value: object) -> str:
    """Everything a result carries, as text (iterators read, files decoded)."""
    if isinstance(value, Path) and value.suffix == ".parquet":
        with duckdb.connect() as conn:
            return str(conn.execute(f"SELECT * FROM read_parquet('{value}')").fetchall())
    if isinstance(value, Path):
        return value.read_text(encoding="utf-8", errors="replace")
    return repr(value)


def _leaks(texts: list[str]) -> bool:
    numbers = (CANARY_NHS, MISTYPED, OPTED, FRESH, WITHDRAWN, *OTHERS)
    return any(CANARY in t.lower() or any(n in t for n in numbers) for t in texts)


def test_the_check_reaches_the_functions_that_read_snapshots_and_registers() -> None:
    assert {"sources.export_snapshot", "sources.quarantined", "privacy.disclose_in",
            "privacy.reidentify_in", "quality.assess", "linkage.link",
            "audit.subject_access"} <= set(REACHING)  # fmt: skip


@pytest.mark.parametrize("name", sorted(REACHING))
def test_a_function_that_hands_out_person_level_data_records_it(name: str, node: Node) -> None:
    function = REACHING[name]
    before, outputs = _log_size(node), node.files / "out"
    made_before = set(outputs.rglob("*"))
    with node.ws.engine.connect() as conn:
        result = function(**_arguments(name, function, node, conn))
        if isinstance(result, Iterator):
            result = list(result)
        elif hasattr(result, "__enter__"):
            with result:
                pass
    written = [p for p in outputs.rglob("*") if p.is_file() and p not in made_before]
    leaked = _leaks([_text(result), *(_text(p) for p in written)])
    recorded = {e.event.name for e in list(audit.entries(node.ws))[before:]}
    declared = audit.declared_events(function)

    if name in EXEMPT:
        assert leaked, f"{name} no longer hands out person-level data: drop it from EXEMPT"
        return
    if leaked:
        assert declared, f"{name} hands out person-level data and declares no audit event"
    missing = set(declared or ()) - recorded
    assert not missing, f"{name} declares {sorted(missing)} but did not record them"


def test_every_context_is_checked_or_cannot_reach_person_level_data() -> None:
    contexts = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists())
    unclassified = set(contexts) - set(COVERED) - set(EXCLUDED)
    assert not unclassified, f"add {sorted(unclassified)} to COVERED or EXCLUDED (with why)"
    reaching = []
    for context in set(EXCLUDED) - {"store", "cli"} - CHECKED_BETWEEN_PROCESSES:
        for path in (SRC / context).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module:
                    if node.module == "accord.sources" and all(
                        a.name in SNAPSHOT_METADATA for a in node.names
                    ):
                        continue
                    names = {node.module} | {f"{a.name}" for a in node.names
                                             if node.module == "accord.store"}  # fmt: skip
                    if names & PERSON_LEVEL:
                        reaching.append(f"{path.relative_to(SRC)}: {sorted(names & PERSON_LEVEL)}")
    assert reaching == [], "these contexts now reach person-level data: add them to COVERED"


def test_declared_events_are_registered_and_documented() -> None:
    text = (SRC.parents[1] / "docs" / "audit.md").read_text(encoding="utf-8")
    for name, function in REACHING.items():
        for event in audit.declared_events(function) or ():
            assert event in audit.EVENT_TYPES, f"{name} declares an unknown event {event}"
            assert f"| `{event}` |" in text
