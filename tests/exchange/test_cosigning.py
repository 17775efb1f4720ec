"""Witness cosignatures between real ``accord serve`` processes on 127.0.0.1.

The hospital (RX1) serves; the GP (A81001) holds the witness role and cosigns the
hospital's checkpoints over the signed API (``exchange.witness``): the first time on
trust, then each proved to extend the last it cosigned. The hospital keeps each
cosignature beside its checkpoint, and the cosigned note verifies as C2SP says, with
the GP's key alone. A forged cosignature, a member without the role, a revoked witness
and a checkpoint the hospital never signed are refused and recorded; a forked or
rolled-back log is refused by the witness, and recorded there. Each node runs on SQLite,
then on PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord import audit
from accord.agreements import node_key
from accord.audit.checkpoint import Checkpoint, sign
from accord.exchange import (
    CheckpointNotCosigned,
    Client,
    Cosignature,
    MemberRole,
    RequestRefused,
    cosigner_key,
    cosigner_name,
    fetch,
    revoke_member,
    witness,
)
from accord.exchange import repository as exchange_repo
from accord.store import Workspace, open_workspace
from tests.audit.support import disclosed, people
from tests.cli.test_commands import run
from tests.exchange.support import (
    Federation,
    Server,
    Spec,
    federation,
    free_port,
    log_of,
    node,
    refusals,
    running,
)
from tests.postgres import scratch_database

GP, HOSPITAL, COUNCIL, PHARMACY = "A81001", "RX1", "E06000023", "FA123"
ROLES = (MemberRole.PROVIDER, MemberRole.RECIPIENT)
PATH = "/api/v1/audit/checkpoints/{size}/cosignatures"


@dataclass
class World:
    fed: Federation
    gp: Workspace
    hospital: Workspace
    council: Workspace
    pharmacy: Workspace
    server: Server


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    root = tmp_path_factory.mktemp("witnessing")
    fed = federation(root)
    port = free_port()
    with ExitStack() as stack:
        urls: dict[str, str | None] = {"gp": None, "hospital": None}
        if request.param == "postgresql":
            server = request.getfixturevalue("postgres_server")
            urls = {k: stack.enter_context(scratch_database(server)) for k in urls}
        specs = {
            "gp": Spec("gp", GP, "Riverside Medical Practice", (*ROLES, MemberRole.WITNESS)),
            "hospital": Spec("hospital", HOSPITAL, "Riverside Hospitals"),
            "council": Spec("council", COUNCIL, "Riverside Council"),
            "pharmacy": Spec("pharmacy", PHARMACY, "Riverside Pharmacy", (MemberRole.WITNESS,)),
        }
        made = {org: node(fed, spec, port=port if org == "hospital" else free_port(),
                          store_url=urls.get(org)) for org, spec in specs.items()}  # fmt: skip
        fed.publish()
        for ws in made.values():
            fetch(ws, str(fed.list_path))
        persons = people(made["hospital"], 2)
        audit.record(made["hospital"], disclosed(persons[0], 1), disclosed(persons[1], 2))
        served = stack.enter_context(running(made["hospital"].root, port))
        yield World(fed, made["gp"], made["hospital"], made["council"], made["pharmacy"], served)
        for ws in made.values():
            ws.close()


def _cosigned(ws: Workspace, size: int) -> audit.Checkpointed:
    with open_workspace(ws.root) as opened:
        return audit.checkpoints(opened, before=size + 1, limit=1).checkpoints[0]


def _c2sp_verify(note: str, name: str, raw_key: bytes) -> int:
    """A cosignature on ``note`` by (``name``, ``raw_key``) checked as C2SP tlog-cosignature
    writes it, with nothing of Accord's: its time, once it verifies."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    text, signatures = note.split("\n\n", 1)
    key_id = hashlib.sha256(name.encode() + b"\n\x04" + raw_key).digest()[:4]
    for line in signatures.splitlines():
        dash, signer, blob64 = line.split(" ")
        blob = base64.b64decode(blob64)
        if (dash, signer) == ("\u2014", name) and blob[:4] == key_id:
            assert len(blob) == 4 + 8 + 64
            when = int.from_bytes(blob[4:12], "big")
            message = f"cosignature/v1\ntime {when}\n{text}\n".encode()
            Ed25519PublicKey.from_public_bytes(raw_key).verify(blob[12:], message)
            return when
    raise AssertionError(f"no cosignature by {name} on the note")


def test_the_witness_cosigns_over_http_and_the_provider_keeps_it(world: World) -> None:
    done = witness(world.gp, HOSPITAL)

    assert (done.first_use, done.previous, done.receipt.added) == (True, 0, True)
    size = done.checkpoint.size
    with Client(world.gp) as client:
        name = cosigner_name(client.trust_list, GP)
        vkey = cosigner_key(client.trust_list, client.trust_list.member(GP))  # type: ignore[arg-type]
    assert name == f"accord.example.nhs.uk/{GP}/witness"
    assert vkey.startswith(f"{name}+")
    kept = _cosigned(world.hospital, size)
    assert kept.checkpoint.size == size
    [cosignature] = kept.cosignatures
    assert (cosignature.witness, cosignature.name) == (GP, name)
    # The cosigned note, as the node serves it: the node's signature and the witness's,
    # each checked as the C2SP specs say.
    with open_workspace(world.hospital.root) as opened:
        note = audit.cosigned_note(opened, size)
        origin, key = audit.parse_verifier_key(audit.node_verifier_key(opened))
    assert note == kept.note
    assert audit.open_note(note, origin, key) == kept.checkpoint
    raw = node_key(world.gp).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    when = _c2sp_verify(note, name, raw)
    assert abs(when - datetime.now(UTC).timestamp()) < 600
    assert base64.b64decode(vkey.split("+", 2)[2]) == b"\x04" + raw
    # Recorded on both sides.
    [accepted] = [e.event for e in log_of(world.hospital) if e.event.name == "checkpoint.cosigned"]
    assert (accepted.size, accepted.witness, accepted.key_name) == (size, GP, name)  # type: ignore[attr-defined]
    [made] = [e.event for e in log_of(world.gp) if e.event.name == "witness.cosigned"]
    assert made == audit.EVENT_TYPES["witness.cosigned"](
        peer=HOSPITAL, origin=origin, size=size,
        root=base64.b64encode(done.checkpoint.root).decode(), previous=0, first_use=True,
    )  # fmt: skip


def test_the_next_checkpoint_is_proved_to_extend_the_last_one_cosigned(world: World) -> None:
    before = witness(world.gp, HOSPITAL).checkpoint.size
    audit.record(world.hospital, disclosed(people(world.hospital, 1)[0], 3))

    done = witness(world.gp, HOSPITAL)

    assert (done.first_use, done.previous) == (False, before)
    assert done.checkpoint.size > before
    assert _cosigned(world.hospital, done.checkpoint.size).cosignatures[0].witness == GP


def _post(ws: Workspace, size: int, body: Cosignature) -> dict[str, object]:
    with Client(ws) as client:
        response = client.request(HOSPITAL, "POST", PATH.format(size=size),
                                  body.model_dump_json().encode(),
                                  {"content-type": "application/json"})  # fmt: skip
    answer: dict[str, object] = response.json()
    return answer


def _body(ws: Workspace, point: audit.Checkpointed, *, name: str | None = None) -> Cosignature:
    signer = name or f"accord.example.nhs.uk/{ws.settings.node_id}/witness"
    line = audit.cosign(point.note, signer, node_key(ws), datetime.now(UTC))
    return Cosignature(root=base64.b64encode(point.checkpoint.root).decode(), cosignature=line)


def test_the_same_witness_cosigning_again_keeps_one(world: World) -> None:
    size = witness(world.gp, HOSPITAL).checkpoint.size
    point = _cosigned(world.hospital, size)

    again = _post(world.gp, size, _body(world.gp, point))

    assert again["added"] is False
    assert [c.witness for c in _cosigned(world.hospital, size).cosignatures] == [GP]


def _refused(ws: Workspace, size: int, body: Cosignature) -> RequestRefused:
    with pytest.raises(RequestRefused) as caught:
        _post(ws, size, body)
    return caught.value


def _flip(line: str) -> str:
    dash, name, blob64 = line.split(" ")
    blob = bytearray(base64.b64decode(blob64))
    blob[-1] ^= 1
    return f"{dash} {name} {base64.b64encode(bytes(blob)).decode()}"


def test_what_is_not_a_witness_s_cosignature_is_refused_and_recorded(world: World) -> None:
    size = witness(world.gp, HOSPITAL).checkpoint.size
    point = _cosigned(world.hospital, size)
    good = _body(world.gp, point)
    cases = {
        "forged": (world.gp, size, good.model_copy(update={"cosignature": _flip(good.cosignature)}),
                   "bad-cosignature", 422),
        "another name": (world.gp, size, _body(world.gp, point, name="witness.example/w1"),
                         "bad-cosignature", 422),
        "not a witness": (world.council, size, _body(world.council, point), "role-required", 403),
        "unknown size": (world.gp, 10**9, good, "unknown-checkpoint", 404),
        "another root": (world.gp, size, good.model_copy(update={"root": "A" * 43 + "="}),
                         "unknown-checkpoint", 404),
    }  # fmt: skip
    for what, (ws, at, body, code, status) in cases.items():
        refused = _refused(ws, at, body)
        assert (refused.code, refused.status) == (code, status), what
    recorded = refusals(world.hospital)
    for who, code in (("gp", "bad-cosignature"), ("council", "role-required"),
                      ("gp", "unknown-checkpoint")):  # fmt: skip
        assert any(w == who and r.startswith(f"{code}: ") for w, r in recorded), code
    assert [c.witness for c in _cosigned(world.hospital, size).cosignatures] == [GP]


def test_a_revoked_witness_is_refused_and_recorded(world: World) -> None:
    point = _cosigned(world.hospital, witness(world.pharmacy, HOSPITAL).checkpoint.size)
    assert PHARMACY in [c.witness for c in point.cosignatures]
    with world.fed.open() as auth:
        revoke_member(auth, PHARMACY, reason="left the federation", by_role="test")
    world.fed.publish()
    fetch(world.hospital, str(world.fed.list_path))
    latest = audit.checkpoints(world.hospital, limit=1).checkpoints[0]

    refused = _refused(world.pharmacy, latest.checkpoint.size, _body(world.pharmacy, latest))

    assert (refused.code, refused.status) == ("revoked-node", 403)
    assert any(w == "pharmacy" and r.startswith("revoked-node: ")
               for w, r in refusals(world.hospital))  # fmt: skip


def _forged_view(world: World, size: int, root: bytes) -> None:
    """The GP's saved view of the hospital's log replaced by a checkpoint the hospital's
    key signed for ``size`` and ``root`` (what a log showing two histories would sign)."""
    origin = audit.parse_verifier_key(audit.node_verifier_key(world.hospital))[0]
    point = Checkpoint(origin, size, root, datetime.now(UTC))
    note = sign(point, origin, node_key(world.hospital))
    now = datetime.now(UTC)
    seen = exchange_repo.Witnessed(HOSPITAL, origin, size, root, note, now, now)
    with world.gp.engine.begin() as conn:
        exchange_repo.keep_witnessed(conn, seen)


def test_a_forked_or_rolled_back_log_is_refused_by_the_witness(world: World) -> None:
    real = witness(world.gp, HOSPITAL).checkpoint
    cosigned = len(_cosigned(world.hospital, real.size).cosignatures)
    gp = str(world.gp.root)
    cases = {"fork": (real.size + 1, hashlib.sha256(b"another history").digest()),
             "rollback": (real.size + 1_000, hashlib.sha256(b"a longer log").digest())}  # fmt: skip
    for what, (size, root) in cases.items():
        _forged_view(world, size, root)
        with pytest.raises(CheckpointNotCosigned, match=rf"{HOSPITAL}.*{size:,} entries"):
            witness(world.gp, HOSPITAL)
        code, _, stderr = run("audit", "witness", HOSPITAL, "-w", gp)
        assert code == 1, what
        assert "not cosigned" in stderr
        assert HOSPITAL in stderr
    refused = [e.event.fields() for e in log_of(world.gp) if e.event.name == "witness.refused"]
    assert len(refused) == 4
    assert {r["previous"] for r in refused} == {real.size + 1, real.size + 1_000}
    assert any("cut short" in r["reason"] for r in refused)
    assert all(r["peer"] == HOSPITAL for r in refused)
    assert len(_cosigned(world.hospital, real.size).cosignatures) == cosigned
    _forged_view(world, real.size, real.root)  # back to what it saw


def test_the_cli_cosigns_and_says_how(world: World) -> None:
    code, stdout, stderr = run("audit", "witness", HOSPITAL, "-w", str(world.gp.root), "--json")
    assert code == 0, stderr
    done = json.loads(stdout)
    assert done["peer"] == HOSPITAL
    assert done["first_use"] is False
    assert done["size"] >= done["previous"] > 0
    assert done["key_name"] == f"accord.example.nhs.uk/{GP}/witness"
    code, stdout, stderr = run("audit", "witness", HOSPITAL, "-w", str(world.gp.root))
    assert code == 0, stderr
    assert stdout.startswith(f"cosigned {HOSPITAL}'s checkpoint of ")
