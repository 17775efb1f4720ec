"""Builders shared by the catalogue tests: a description, a two-step derivation, schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from accord.catalog import DatasetRef, Job, node_namespace, record_derivation, snapshot_ref
from accord.store import Workspace
from tests.quality.support import CLEAN, DIRTY, ingest_rows

SCHEMAS = Path(__file__).parent / "schemas"

DESCRIPTION = """\
title: Registered patients
summary: Everyone registered with the practice.
description: One record per registration at Leeds Road Surgery, refreshed monthly.
owner:
  organisation: Leeds Road Surgery
  identifier: https://odsportal.example/B86001
  contact: {name: Practice data team, email: data@leedsroad.example.nhs.uk}
fields:
  record_id: The practice's registration number.
  nhs_number:
    description: The patient's NHS number, as recorded at registration.
    title: NHS number
collection_method: Entered by reception staff at registration.
assumptions: [One registration per person.]
limitations: [Addresses are not re-checked after registration.]
update_frequency: monthly
legal_basis: UK GDPR Art 6(1)(e) and Art 9(2)(h)
special_category: true
temporal: {start: 2020-01-01, end: 2026-01-31}
spatial: {label: Leeds, uri: "http://statistics.data.gov.uk/id/statistical-geography/E08000035"}
keywords: [patients, primary care]
"""

T0 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
T2 = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


def description() -> dict[str, Any]:
    found = yaml.safe_load(DESCRIPTION)
    assert isinstance(found, dict)
    return found


def validate(document: object, schema: str) -> None:
    """Validate ``document`` against one of the schemas in ``schemas/`` (draft 2020-12)."""
    loaded = json.loads((SCHEMAS / schema).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(loaded)
    jsonschema.Draft202012Validator(loaded).validate(document)


def two_step(workspace: Workspace) -> tuple[DatasetRef, DatasetRef, DatasetRef, DatasetRef]:
    """Snapshots A and B, linked into pairs C, shared as an extract D under an agreement."""
    ingest_rows(workspace, CLEAN, "gp")
    ingest_rows(workspace, DIRTY, "hospital")
    a, b = snapshot_ref(workspace, "gp"), snapshot_ref(workspace, "hospital")
    here = node_namespace(workspace)
    c = DatasetRef(here, "gp-hospital-pairs", "sha256:" + "c" * 64)
    d = DatasetRef("accord://council", "admission-risk-extract", "sha256:" + "d" * 64)
    record_derivation(workspace.engine, Job(here, "linkage.link"), [a, b], [c],
                      started_at=T0, ended_at=T1, facets={"mode": {"mode": "private"}})  # fmt: skip
    agreement = {"id": "DSA-2026-007", "purpose": "direct care"}
    record_derivation(workspace.engine, Job(here, "exchange.share"), [c], [d], ended_at=T2,
                      facets={"agreement": agreement})  # fmt: skip
    return a, b, c, d
