"""Every ``accord`` command that uses personal data or does a governance act leaves its
entry in the node's log; every other command is listed with the reason it records nothing.

The commands are enumerated from ``accord.cli.app``: a new command fails
:func:`test_every_command_is_classified` until it is put in :data:`RECORDS` (with how to
run it and what it records) or :data:`NOTHING` (with why). Each recording command is run
on a real workspace (on both stores) and its entries are read back through the audit face.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import typer.main

from accord import accounts, audit
from accord.agreements import (
    add_peer,
    get,
    load_public_key,
    node_public_key,
    record,
    sign_in_workspace,
)
from accord.cli import app
from accord.exchange import fetch, raw_public_key
from accord.scenarios import generate
from accord.store import Workspace, init_workspace, open_workspace
from tests.agreements.support import example, ingest_example
from tests.audit.support import nhs_numbers
from tests.cli.test_commands import STAFF, run

NUMBERS = nhs_numbers(6)


@dataclass
class Node:
    """The node the commands run on (``gp``), a partner (``hospital``) and their files."""

    ws: Workspace
    partner: Path
    files: Path
    scenario: Path

    def file(self, name: str) -> Path:
        folder = self.files / uuid.uuid4().hex
        folder.mkdir()
        return folder / name

    @property
    def root(self) -> str:
        return str(self.ws.root)


def _commands() -> list[str]:
    def walk(command: object, prefix: tuple[str, ...]) -> Iterator[str]:
        children = getattr(command, "commands", None)
        if children is None:
            yield " ".join(prefix)
            return
        for name, child in children.items():
            yield from walk(child, (*prefix, name))

    return sorted(walk(typer.main.get_command(app), ()))


@pytest.fixture(scope="module")
def node(module_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    files = tmp_path_factory.mktemp("commands")
    scenario = files / "scenario"
    generate("gp-hospital-council", 300, scenario, seed=5, organisations=["gp", "hospital"],
             as_of=date(2026, 11, 22))  # fmt: skip
    ws = init_workspace(files / "gp", "gp", store_url=module_store_url)
    hospital = init_workspace(files / "hospital", "hospital")
    # The datasets the example agreement names, so that each node may sign it, and each
    # node's key known to the other.
    ingest_example(ws, "gp")
    ingest_example(hospital, "hospital")
    add_peer(ws, "hospital", node_public_key(hospital), added_by="test")
    add_peer(hospital, "gp", node_public_key(ws), added_by="test")
    hospital.close()
    source = files / "patients.csv"
    rows = [f"{i},Ann,Lee,{n},1980-02-2{i}" for i, n in enumerate(NUMBERS)]
    source.write_text("id,first,last,nhs,dob\n" + "\n".join([*rows, "9,too,many,values,here,x"]))
    mapping = files / "patients.yaml"
    mapping.write_text("fields: {record_id: id, given_name: first, family_name: last, "
                       "nhs_number: nhs, date_of_birth: dob}\n")  # fmt: skip
    code, _, stderr = run("ingest", str(source), "-m", str(mapping), "-d", "patients",
                          "-w", str(ws.root))  # fmt: skip
    assert code == 0, stderr
    try:
        yield Node(ws, files / "hospital", files, scenario)
    finally:
        ws.close()


def _agreement(n: Node, *, signed: bool = True, active: bool = False) -> tuple[str, Path]:
    """A new agreement between gp and hospital: drafted, signed by both, activated here."""
    agreement_id = f"dsa-{uuid.uuid4().hex[:8]}"
    file = n.file("agreement.yaml")
    assert run("agreement", "new", str(file), "--id", agreement_id)[0] == 0
    if signed:
        for where in (n.root, str(n.partner)):
            code, _, stderr = run("agreement", "sign", str(file), "-w", where)
            assert code == 0, stderr
    if active:
        code, _, stderr = run("agreement", "activate", str(file), "-w", n.root)
        assert code == 0, stderr
    return agreement_id, file


def _scenario(n: Node, name: str) -> str:
    return str(n.scenario / name)


@dataclass(frozen=True)
class Records:
    """A command that records: how to run it on the node, and the events it must leave."""

    events: tuple[str, ...]
    args: Callable[[Node], list[str]]
    code: int = 0
    """The exit status it ends with (``agreement decide`` denies: 1, and records it)."""
    log: Callable[[Node], Path] | None = None
    """Whose log the events go to, when not the node's (a federation authority's)."""


def _ingest(n: Node) -> list[str]:
    return [_scenario(n, "gp.csv"), "-m", _scenario(n, "gp.mapping.yaml"), "-d", "gp",
            "-w", n.root]  # fmt: skip


def _export(n: Node) -> list[str]:
    return ["patients", "-o", str(n.file("patients.csv")), "-w", n.root, *STAFF]


def _link(n: Node) -> list[str]:
    return [_scenario(n, "gp.csv"), _scenario(n, "hospital.xlsx"),
            "--left-mapping", _scenario(n, "gp.mapping.yaml"),
            "--right-mapping", _scenario(n, "hospital.mapping.yaml"),
            "-o", str(n.file("pairs.csv")), "--as-of", "2026-11-22", "-w", n.root]  # fmt: skip


def _dedupe(n: Node) -> list[str]:
    return [_scenario(n, "gp.csv"), "-m", _scenario(n, "gp.mapping.yaml"),
            "-o", str(n.file("clusters.csv")), "--as-of", "2026-11-22", "-w", n.root]  # fmt: skip


def _person(n: Node) -> list[str]:
    return ["--nhs-number", NUMBERS[2], "--date-of-birth", "1980-02-22", "--dataset", "patients",
            "--sar", str(n.file("sar.json")), "-w", n.root, *STAFF]  # fmt: skip


def _decide(n: Node) -> list[str]:
    # The dataset was never assessed, so it is not yet rated: denied, and recorded.
    return ["--requester", "hospital", "--purpose", "admission-risk-stratification",
            "--dataset", "registered-patients", "--fields", "nhs_number,date_of_birth",
            "--rows", "10", "--agreement", _agreement(n, active=True)[0],
            "--on", "2026-11-22", "-w", n.root]  # fmt: skip


def _peer(n: Node, org: str = "council") -> list[str]:
    other = init_workspace(n.files / uuid.uuid4().hex, org)
    other.close()
    return [org, "--key", str(other.root / "keys" / "node.pub"), "-w", n.root]


def _authority(n: Node, *, member: bool = False) -> Path:
    """A new federation authority in the node's files (with one member, if asked)."""
    folder = n.file("authority").parent / "authority"
    assert run("federation", "init", str(folder), "--federation", "accord.example.nhs.uk")[0] == 0
    if member:
        code, _, stderr = run("federation", "add", "RX1", "--org", "hospital", "--name",
                              "Riverside Hospitals", "--url", "http://127.0.0.1:8102", "--key",
                              str(n.partner / "keys" / "node.pub"), "--role", "provider",
                              "-a", str(folder))  # fmt: skip
        assert code == 0, stderr
    return folder


AUTHORITIES: dict[str, Path] = {}


def _member(n: Node) -> list[str]:
    AUTHORITIES["add"] = _authority(n)
    return ["RX1", "--org", "hospital", "--name", "Riverside Hospitals", "--url",
            "http://127.0.0.1:8102", "--key", str(n.partner / "keys" / "node.pub"),
            "--role", "provider", "-a", str(AUTHORITIES["add"])]  # fmt: skip


def _revoke(n: Node) -> list[str]:
    AUTHORITIES["revoke"] = _authority(n, member=True)
    return ["RX1", "--reason", "left", "-a", str(AUTHORITIES["revoke"])]


def _publish(n: Node) -> list[str]:
    AUTHORITIES["publish"] = _authority(n, member=True)
    return ["-a", str(AUTHORITIES["publish"])]


def _fetch(n: Node) -> list[str]:
    folder = _authority(n, member=True)
    published = n.file("trust-list.json")
    code, stdout, stderr = run("federation", "publish", "-a", str(folder), "-o", str(published))
    assert code == 0, stderr
    pinned = raw_public_key(load_public_key(folder / "keys" / "authority.pub"))
    with (n.ws.root / "accord.toml").open("a", encoding="utf-8") as fh:
        fh.write(f'trust_list_key = "{pinned}"\n')
    del stdout
    return ["--from", str(published), "-w", n.root]


def _unpeer(n: Node) -> list[str]:
    code, _, stderr = run("peer", "add", *_peer(n, "police"))
    assert code == 0, stderr
    return ["police", "--reason", "the partnership ended", "-w", n.root]


FEDERATED: dict[str, Path] = {}


def _federated(n: Node, act: str) -> tuple[Workspace, Workspace, str]:
    """A gp and a hospital node of a new federation (neither serving), an agreement
    between them drafted on the gp, and its id; the gp's log is where ``act`` records."""
    from tests.exchange.support import Spec, federation, free_port
    from tests.exchange.support import node as member

    fed = federation(n.files / uuid.uuid4().hex)
    gp = member(fed, Spec("gp", "A81001", "Riverside GP"), port=free_port())
    hospital = member(fed, Spec("hospital", "RX1", "Riverside Hospital"), port=free_port())
    fed.publish()
    for ws, org in ((gp, "gp"), (hospital, "hospital")):
        fetch(ws)
        ingest_example(ws, org)
    agreement_id = f"dsa-{uuid.uuid4().hex[:8]}"
    record(gp, example(id=agreement_id))
    FEDERATED[act] = gp.root
    return gp, hospital, agreement_id


def _propose(n: Node) -> list[str]:
    gp, hospital, agreement_id = _federated(n, "propose")
    hospital.close()
    gp.close()
    return [agreement_id, "-w", str(FEDERATED["propose"])]


def _received(n: Node, act: str) -> list[str]:
    """An agreement the gp signed, in the hospital's inbox (the hospital's log records)."""
    from accord.exchange import cached
    from accord.exchange.models import Caller
    from accord.exchange.negotiation import receive

    gp, hospital, agreement_id = _federated(n, act)
    signed, _ = sign_in_workspace(gp, get(gp, agreement_id).agreement)
    found = cached(hospital)
    assert found is not None
    sender = found.trust_list.member("A81001")
    assert sender is not None
    receive(hospital, Caller(sender, "n" * 22, 0), signed.model_dump_json().encode())
    FEDERATED[act] = hospital.root
    gp.close()
    hospital.close()
    return [agreement_id, "-w", str(hospital.root)]


def _account(n: Node, *, disabled: bool = False) -> str:
    name = f"u{uuid.uuid4().hex[:8]}"
    accounts.add_user(n.ws, name, {accounts.Role.ANALYST}, by_role="test")
    if disabled:
        accounts.disable_user(n.ws, name, by_role="test")
    return name


# fmt: off
RECORDS: dict[str, Records] = {
    "ingest": Records(("dataset.ingested",), _ingest),
    "quarantine": Records(("quarantine.viewed",), lambda n: ["patients", "-w", n.root, *STAFF]),
    "export": Records(("snapshot.exported",), _export),
    "quality": Records(("quality.assessed",), lambda n: ["patients", "-w", n.root]),
    "link": Records(("linkage.run",), _link),
    "dedupe": Records(("linkage.run",), _dedupe),
    "optout register": Records(("optout.registered",), lambda n: [NUMBERS[0], "-w", n.root,
                                                                 *STAFF]),
    "optout withdraw": Records(("optout.withdrawn",), lambda n: [
        _opted_out(n, NUMBERS[1]), "-w", n.root, *STAFF]),
    "audit verify": Records(("log.verified",), lambda n: ["-w", n.root]),
    "audit person": Records(("person.viewed",), _person),
    "catalog describe": Records(("dataset.described",), lambda n: [
        "patients", "--from", _description(n), "-w", n.root]),
    "agreement new": Records(("agreement.amended",), lambda n: [
        str(n.file("amended.yaml")), "--amend", _agreement(n, active=True)[0], "-w", n.root]),
    "agreement sign": Records(("agreement.recorded", "agreement.signed"), lambda n: [
        str(_agreement(n, signed=False)[1]), "-w", n.root]),
    "agreement activate": Records(("agreement.activated",), lambda n: [
        str(_agreement(n)[1]), "-w", n.root]),
    "agreement suspend": Records(("agreement.suspended",), lambda n: [
        _agreement(n, active=True)[0], "--reason", "a breach", "-w", n.root]),
    "agreement revoke": Records(("agreement.revoked",), lambda n: [
        _agreement(n, active=True)[0], "--reason", "it ended", "-w", n.root]),
    "agreement decide": Records(("disclosure.decided",), _decide, code=1),
    "peer add": Records(("peer.added",), _peer),
    "peer remove": Records(("peer.removed",), _unpeer),
    "federation add": Records(("federation.member_added",), _member,
                              log=lambda n: AUTHORITIES["add"]),
    "federation revoke": Records(("federation.member_revoked",), _revoke,
                                 log=lambda n: AUTHORITIES["revoke"]),
    "federation publish": Records(("trust_list.published",), _publish,
                                  log=lambda n: AUTHORITIES["publish"]),
    "federation fetch": Records(("trust_list.adopted",), _fetch),
    # The other party's node is down: the act is done and recorded here, the command
    # says whom it did not tell and exits 1.
    "agreement propose": Records(("agreement.proposed", "agreement.signed"), _propose, code=1,
                                 log=lambda n: FEDERATED["propose"]),
    "agreement countersign": Records(("agreement.recorded", "agreement.signed"),
                                     lambda n: _received(n, "countersign"), code=1,
                                     log=lambda n: FEDERATED["countersign"]),
    "agreement decline": Records(("agreement.declined",), lambda n: [
        *_received(n, "decline"), "--reason", "too broad"], code=1,
        log=lambda n: FEDERATED["decline"]),
    "user add": Records(("user.added",), lambda n: [
        f"u{uuid.uuid4().hex[:8]}", "--role", "steward", "-w", n.root]),
    "user reset": Records(("user.reset",), lambda n: [_account(n), "-w", n.root]),
    "user disable": Records(("user.disabled",), lambda n: [_account(n), "-w", n.root]),
    "user enable": Records(("user.enabled",), lambda n: [_account(n, disabled=True), "-w",
                                                         n.root]),
    "user roles": Records(("user.roles_changed",), lambda n: [
        _account(n), "--role", "auditor", "-w", n.root]),
}
# fmt: on

NOTHING: dict[str, str] = {
    "init": "creates a node: keys, settings and an empty log; no personal data yet",
    "datasets": "lists datasets' names, versions and counts: no person-level rows",
    "generate": "writes synthetic people to files; touches no node",
    "evaluate": "scores a pairs file against a scenario's truth file; touches no node",
    "protect": "makes a table of counts safe to publish: aggregates in files, no node",
    "optout count": "counts each register (never who); nothing is unsealed",
    "audit checkpoint": "prints the newest signed checkpoint: hashes, no personal data",
    "audit key": "prints the node's public verifier key",
    "audit export": "copies log entries (pseudonyms only) with proofs for an auditor; "
    "reading the log is not recorded, so a read-only auditor writes nothing",
    "audit check": "verifies an export offline, with no node",
    "agreement render": "writes a readable copy of an agreement; changes nothing",
    "peer list": "lists the partners' public keys; changes nothing",
    "doctor": "reads the workspace's settings, file modes, keys and store; changes nothing",
    "agreement validate": "checks an agreement file; nothing stored",
    "agreement gateways": "suggests lawful bases and gateways from answers about a sharing: "
    "no personal data, nothing stored",
    "agreement gateway-rules": "lists and checks the gateway finder's rules; nothing stored",
    "agreement verify": "checks an agreement file's signatures offline; nothing stored",
    "agreement show": "reads a stored agreement (no personal data); changes nothing",
    "agreement list": "reads the stored agreements; changes nothing",
    "agreement register": "renders the public register of agreements; changes nothing",
    "agreement export": "renders an agreement (ODRL, YAML, Article 30); changes nothing",
    "catalog list": "lists the catalogue's metadata: no person-level rows",
    "catalog show": "shows one dataset's metadata, versions and lineage: no rows",
    "catalog export": "renders a dataset's metadata on an open standard: no rows",
    "federation init": "creates an authority's folder, key and empty log: nothing to record",
    "federation show": "reads the trust list in force; changes nothing",
    "agreement inbox": "lists the agreements parties proposed to this node; changes nothing",
    "agreement notify": "delivers again the messages already queued; the acts they carry "
    "were recorded when they were made (tests/exchange/test_agreements_api.py)",
    "share catalogue": "asks a peer which datasets it offers (metadata, no person-level "
    "rows); the peer records any refusal",
    "audit fetch-checkpoint": "asks a peer for its signed checkpoint: hashes, no personal "
    "data; the peer records any refusal",
    "audit prove": "asks a peer for a proof and checks it: hashes, no personal data",
    "audit witness": "cosigns a peer's checkpoint (hashes, no personal data) and sends it; "
    "witness.cosigned and witness.refused here and checkpoint.cosigned on the peer are "
    "checked between real processes in tests/exchange/test_cosigning.py",
    "usage report": "counts requests, records and bytes per agreement and party from the "
    "log: no person; reading the log is not recorded (as 'audit export')",
    "share request": "asks a peer for an extract; the provider records each person "
    "disclosed and this node records the receipt (exchange.received) and the snapshot "
    "(dataset.ingested): checked between real processes in tests/exchange/test_shares.py",
    "share lookup": "asks a peer for one person; the provider records the person "
    "disclosed and this node the receipt: checked in tests/exchange/test_shares.py",
    "share list": "reads this node's log for the shares served and received; changes nothing",
    "user list": "lists staff accounts (names, roles, state): no person-level data",
    "serve": "runs the node's API; what it records (each refusal, each trust list "
    "adopted) is checked between real processes in tests/exchange/test_api.py",
}


def _opted_out(n: Node, number: str) -> str:
    code, _, stderr = run("optout", "register", number, "-w", n.root, *STAFF)
    assert code == 0, stderr
    return number


def _description(n: Node) -> str:
    path = n.file("patients.yaml")
    path.write_text(
        "title: Patients\ndescription: Registered patients.\nowner:\n  organisation: GP\n"
        "  contact: {name: Data team, email: data@gp.example}\n"
        "collection_method: At registration.\nupdate_frequency: monthly\n"
        "legal_basis: UK GDPR Art 6(1)(e)\nspecial_category: true\n"
    )
    return str(path)


class NotInTheLog(AssertionError):
    """A command ran and its entry is not in the log."""


def test_every_command_is_classified() -> None:
    commands = set(_commands())
    assert not set(RECORDS) & set(NOTHING)
    unclassified = commands - set(RECORDS) - set(NOTHING)
    assert not unclassified, (
        f"classify {sorted(unclassified)}: in RECORDS with the events it records and how to "
        "run it, or in NOTHING with why it records nothing"
    )
    assert not (set(RECORDS) | set(NOTHING)) - commands, "a classified command is gone"


@pytest.mark.parametrize("command", sorted(RECORDS))
def test_a_command_that_uses_personal_data_or_governs_leaves_its_entry(
    command: str, node: Node
) -> None:
    expected = RECORDS[command]
    args = expected.args(node)
    where = expected.log(node) if expected.log is not None else node.ws.root
    with open_workspace(where) as ws:
        before = len(list(audit.entries(ws)))
    code, stdout, stderr = run(*command.split(), *args)
    assert code == expected.code, stdout + stderr
    with open_workspace(where) as ws:
        recorded = [e.event.name for e in list(audit.entries(ws))[before:]]
    missing = [e for e in expected.events if e not in recorded]
    if missing:
        raise NotInTheLog(f"accord {command} left {recorded}, not {missing}")
