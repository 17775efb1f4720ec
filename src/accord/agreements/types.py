"""Vocabulary of the agreements context."""

from typing import NewType

AgreementId = NewType("AgreementId", str)
"""An agreement's stable identifier, kept across versions (a slug: ``gp-hospital-risk``)."""

OrgId = NewType("OrgId", str)
"""An organisation (a party), as its node is named (``accord init --node-name``)."""

PurposeCode = NewType("PurposeCode", str)
"""A purpose as a stable code (a slug: ``admission-risk-stratification``)."""

DatasetName = NewType("DatasetName", str)
"""A dataset as its provider names it (``accord ingest --dataset``)."""

KeyId = NewType("KeyId", str)
"""The first 16 hex digits of the SHA-256 of an Ed25519 public key's 32 raw bytes."""
