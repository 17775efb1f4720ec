"""Ed25519 signatures over the RFC 8785 canonical JSON of an agreement.

Each party signs, with its organisation's key (the node key made by ``accord init``),
the canonical JSON of ``{"accord", "agreement", "org", "key_id", "signed_at"}``: the
agreement's whole content except the signatures, plus who signed, with which key and
when, so a change of one byte anywhere breaks at least one signature. Verification needs
only the document and the parties' public keys: no store, no network.

The primitive under it, :func:`sign_json` / :func:`verify_json` (an Ed25519 signature
over a JSON document's RFC 8785 canonical form, as unpadded base64url), is the one every
signed JSON document of Accord uses: agreements here, the federation's trust list in the
exchange.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from accord.agreements.errors import KeyUnusable, SignatureError
from accord.agreements.models import Agreement, Signature
from accord.agreements.types import KeyId, OrgId
from accord.store import InvalidName, UnreadableDocument, check_name, read_yaml

SIGNATURE_CONTEXT = "accord-agreement-signature/1"


def key_id(public: Ed25519PublicKey) -> KeyId:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KeyId(hashlib.sha256(raw).hexdigest()[:16])


def canonical(agreement: Agreement) -> bytes:
    """The RFC 8785 canonical JSON of what the parties sign (no signatures)."""
    return rfc8785.dumps(agreement.content())


def digest(agreement: Agreement) -> str:
    """SHA-256 (hex) of :func:`canonical`: names one version's content."""
    return hashlib.sha256(canonical(agreement)).hexdigest()


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """The RFC 8785 canonical JSON of ``document``: the bytes a signature covers."""
    return rfc8785.dumps(document)


def sign_json(document: Mapping[str, Any], key: Ed25519PrivateKey) -> str:
    """An Ed25519 signature over ``document``'s canonical JSON, as unpadded base64url."""
    return _b64(key.sign(canonical_json(document)))


def verify_json(document: Mapping[str, Any], signature: str, key: Ed25519PublicKey) -> bool:
    """Whether ``signature`` (from :func:`sign_json`) is ``key``'s over ``document``."""
    try:
        raw = _unb64(signature)
        if _b64(raw) != signature:  # other spare bits, same bytes: not ours
            return False
        key.verify(raw, canonical_json(document))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _payload(agreement: Agreement, org: str, kid: str, signed_at: str) -> dict[str, Any]:
    return {"accord": SIGNATURE_CONTEXT, "agreement": agreement.content(), "org": org,
            "key_id": kid, "signed_at": signed_at}  # fmt: skip


def _signed_at_text(signature: Signature) -> str:
    return str(signature.model_dump(mode="json")["signed_at"])


def sign(
    agreement: Agreement, org: str, key: Ed25519PrivateKey, now: datetime | None = None
) -> Agreement:
    """The agreement with ``org``'s signature added (replacing any earlier one by ``org``)."""
    if agreement.party(org) is None:
        parties = ", ".join(p.org for p in agreement.parties)
        raise SignatureError(
            f"{org!r} is not a party to {agreement.id} v{agreement.version} (parties: {parties});"
            " sign from a party's workspace or pass --as with a party's id"
        )
    when = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    draft = Signature(org=OrgId(org), key_id=key_id(key.public_key()), signed_at=when,
                      signature="A" * 86)  # fmt: skip
    signed = sign_json(_payload(agreement, org, draft.key_id, _signed_at_text(draft)), key)
    signature = draft.model_copy(update={"signature": signed})
    others = [s for s in agreement.signatures if s.org != org]
    return agreement.model_copy(update={"signatures": [*others, signature]})


@dataclass(frozen=True)
class SignatureCheck:
    """One party's signature: ``status`` is valid, missing, invalid, no_key or not_a_party."""

    org: str
    status: str
    message: str


@dataclass(frozen=True)
class Verification:
    """Every party's signature checked; ``ok`` only when all are valid."""

    agreement_id: str
    version: int
    checks: tuple[SignatureCheck, ...]

    @property
    def ok(self) -> bool:
        return all(c.status == "valid" for c in self.checks)

    def problems(self) -> list[str]:
        return [f"{c.org}: {c.message}" for c in self.checks if c.status != "valid"]


def verify(agreement: Agreement, keys: Mapping[str, Ed25519PublicKey]) -> Verification:
    """Check each party's signature with ``keys`` (organisation id to public key)."""
    by_org = {s.org: s for s in agreement.signatures}
    checks = [_check(agreement, p.org, by_org.get(p.org), keys.get(p.org))
              for p in agreement.parties]  # fmt: skip
    parties = {p.org for p in agreement.parties}
    checks += [SignatureCheck(s.org, "not_a_party", f"{s.org!r} signed but is not a party")
               for s in agreement.signatures if s.org not in parties]  # fmt: skip
    return Verification(agreement.id, agreement.version, tuple(checks))


def _check(
    agreement: Agreement, org: str, signature: Signature | None, key: Ed25519PublicKey | None
) -> SignatureCheck:
    if signature is None:
        return SignatureCheck(org, "missing", "has not signed this version")
    if key is None:
        return SignatureCheck(org, "no_key", "no public key given for this organisation")
    if key_id(key) != signature.key_id:
        return SignatureCheck(org, "invalid",
                              f"signed with key {signature.key_id}, not the key given "
                              f"({key_id(key)})")  # fmt: skip
    payload = _payload(agreement, org, signature.key_id, _signed_at_text(signature))
    if not verify_json(payload, signature.signature, key):
        return SignatureCheck(org, "invalid",
                              "signature does not match the content: the agreement was "
                              "changed after signing, or the signature is damaged")  # fmt: skip
    return SignatureCheck(org, "valid", f"signed {_signed_at_text(signature)}")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in the PEM file at ``path`` (a node's ``keys/node.key``)."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyUnusable(f"cannot read the private key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyUnusable(f"{path} is not an Ed25519 private key")
    return key


def public_key_text(key: Ed25519PublicKey) -> str:
    """A public key as PEM text (what ``keys/node.pub`` holds)."""
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def parse_public_key(text: str, where: str) -> Ed25519PublicKey:
    """A public key from PEM text or the base64 of its 32 raw bytes."""
    try:
        if "BEGIN PUBLIC KEY" in text:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise KeyUnusable(f"{where}: not an Ed25519 public key (PEM or base64): {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyUnusable(f"{where}: not an Ed25519 public key")
    return key


_KEY_FILE_LIMIT = 16_384
"""Bytes read from a public key file at most: a PEM key is a few hundred."""


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in the file at ``path`` (PEM, or base64 of the raw bytes)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(_KEY_FILE_LIMIT + 1)
    except OSError as exc:
        raise KeyUnusable(f"cannot read the public key {path}: {exc.strerror}") from exc
    if len(data) > _KEY_FILE_LIMIT:
        raise KeyUnusable(f"{path}: not a public key (larger than {_KEY_FILE_LIMIT:,} bytes)")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise KeyUnusable(f"{path}: not a public key (not ASCII text)") from exc
    return parse_public_key(text, str(path))


def load_keys(path: Path) -> dict[str, Ed25519PublicKey]:
    """A YAML file of ``org: public key`` (PEM text, base64, or a path to a .pub file)."""
    try:
        data = read_yaml(path, "keys file")
    except UnreadableDocument as exc:
        raise KeyUnusable(str(exc)) from exc
    if not isinstance(data, dict):
        raise KeyUnusable(f"{path}: expected a mapping of organisation id to public key")
    keys = {}
    for org, value in data.items():
        try:
            check_name(org, "organisation id")
        except InvalidName as exc:
            raise KeyUnusable(f"{path}: {exc}") from exc
        where = f"{path}: {org}"
        if not isinstance(value, str):
            raise KeyUnusable(f"{where}: expected PEM text, base64 or a file path")
        if _names_a_file(path.parent, value):
            candidate = (path.parent / value).resolve()
            keys[str(org)] = load_public_key(candidate)
        else:
            keys[str(org)] = parse_public_key(value, where)
    return keys


def _names_a_file(folder: Path, value: str) -> bool:
    if "\n" in value:
        return False
    try:
        return (folder / value).is_file()
    except (OSError, ValueError):  # too long a name, a NUL: key text, not a path
        return False
