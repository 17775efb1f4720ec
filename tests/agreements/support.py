"""The worked example agreement, organisation keys, provider nodes and the log, for the tests."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from accord import audit
from accord.agreements import Agreement, add_peer, example_text, list_agreements, parse, sign
from accord.sources import ingest
from accord.store import Workspace, init_workspace

IN_DATE = date(2026, 11, 22)


def example_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(example_text())
    return data


def example(**changes: Any) -> Agreement:
    return parse({**example_data(), **changes})


def org_keys(*orgs: str) -> dict[str, Ed25519PrivateKey]:
    return {org: Ed25519PrivateKey.generate() for org in orgs}


def public(keys: dict[str, Ed25519PrivateKey]) -> dict[str, Ed25519PublicKey]:
    return {org: key.public_key() for org, key in keys.items()}


def signed_by_all(agreement: Agreement, keys: dict[str, Ed25519PrivateKey]) -> Agreement:
    for party in agreement.parties:
        agreement = sign(agreement, party.org, keys[party.org])
    return agreement


def trust(ws: Workspace, keys: dict[str, Ed25519PrivateKey]) -> None:
    """Add every organisation's public key to the node's peer registry."""
    for org, key in keys.items():
        add_peer(ws, org, key.public_key(), added_by="test")


# The example's datasets as each provider holds them: its standard columns (record_id,
# nhs_number, date_of_birth, sex, postcode_district ...) and the attribute columns named.
_HEADER = "id,dob,sex,nhs,postcode,admission_date,ward,admissions"
_ROWS = ["1,1980-02-13,M,9434765919,LS1 4AP,2026-01-02,AMU,1",
         "2,1985-03-24,F,9434765870,M1 1AA,2026-02-03,Ward 4,2"]  # fmt: skip
_MAPPING = {
    "gp": "fields: {record_id: id, date_of_birth: dob, sex: sex, nhs_number: nhs, "
    "postcode: postcode}\n",
    "hospital": "fields: {record_id: id, date_of_birth: dob, sex: sex, nhs_number: nhs, "
    "postcode: postcode}\nattributes: [admission_date, ward, admissions]\n",
}
DATASET = {"gp": "registered-patients", "hospital": "admissions"}


def provider(root: Path, org: str, store_url: str | None = None) -> Workspace:
    """A node of ``org`` (gp or hospital) holding the dataset it provides in the example."""
    ws = init_workspace(root / org, org, store_url=store_url)
    ingest_example(ws, org)
    return ws


def ingest_example(ws: Workspace, org: str) -> None:
    """Ingest ``org``'s dataset of the example into ``ws``."""
    folder = ws.root / "sources"
    folder.mkdir(exist_ok=True)
    (folder / "data.csv").write_text("\n".join([_HEADER, *_ROWS]) + "\n", encoding="utf-8")
    (folder / "mapping.yaml").write_text(_MAPPING[org], encoding="utf-8")
    ingest(ws, str(folder / "data.csv"), folder / "mapping.yaml", DATASET[org])


def logged(ws: Workspace) -> list[tuple[str, dict[str, Any]]]:
    """Every entry of the node's audit log as ``(type, event)``, read back through the
    audit face (an export checked against the node's signed checkpoint)."""
    try:
        size = int(audit.latest_checkpoint(ws).splitlines()[1])
    except audit.AuditError:
        return []
    document = audit.export(ws, 0, size)
    audit.verify_export(document, audit.node_verifier_key(ws))
    entries = [json.loads(item["entry"]) for item in document["entries"]]
    return [(e["type"], e["event"]) for e in entries]


def logged_types(ws: Workspace) -> list[str]:
    return [kind for kind, _ in logged(ws)]


def list_of(ws: Workspace) -> list[tuple[str, int]]:
    """The agreements a node holds, as (id, version) of the current one."""
    return [(s.agreement.id, s.agreement.version) for s in list_agreements(ws)]
