"""The worked example agreement, organisation keys and signing helpers for the tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from accord.agreements import Agreement, example_text, parse, sign

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
