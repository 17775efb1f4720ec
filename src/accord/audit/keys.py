"""What the log needs from the node's keys: its signing key and the person pseudonym key.

Checkpoints are signed with the node's Ed25519 identity (``keys/node.key``), under the
key name that is also the log's origin (:func:`origin`). The citizen index keys people by an HMAC of
their NHS number under a key derived (label ``accord-audit/person``) from the node's
privacy secret: stable on this node, meaningless anywhere else, never a name.

Both are read from their files once and kept while the file stays as it was (its size,
modification time and inode): a lookup appends to the log and keys a person, and
parsing a PEM file each time cost more than the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from stdnum.gb import nhs

from accord.audit.errors import AuditError, IdentityNotVerified
from accord.audit.types import PersonKey
from accord.store import PRIVACY_SECRET, Workspace, read_kept

PERSON_LABEL = b"accord-audit/person"


def origin(ws: Workspace) -> str:
    """The log's origin line and key name: the ``log_origin`` setting, made unique at init.

    A workspace made before the setting existed keeps the origin its checkpoints were
    signed under, ``accord/<node name>/audit`` (every signed note holds its origin, so a
    new one would leave the old checkpoints unverifiable).
    """
    if ws.settings.log_origin:
        return ws.settings.log_origin
    node = re.sub(r"[\s+]+", "-", ws.settings.node_name.strip()) or "node"
    return f"accord/{node}/audit"


def signing_key(ws: Workspace) -> Ed25519PrivateKey:
    return read_kept(ws.root / "keys" / "node.key", "signing", _signing)


def _signing(path: Path, pem: bytes) -> Ed25519PrivateKey:
    key = load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditError(f"{path} is not an Ed25519 key")
    return key


def public_key(ws: Workspace) -> Ed25519PublicKey:
    key = load_pem_public_key((ws.root / "keys" / "node.pub").read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise AuditError(f"{ws.root / 'keys' / 'node.pub'} is not an Ed25519 key")
    return key


def person_secret(ws: Workspace) -> bytes:
    """The key person keys are HMACs under: for keying many people at once inside DuckDB
    (``people.hmac_sql`` over ``people.nhs_number_sql``), which must give exactly what
    :func:`person_key` gives one at a time. Hold it in memory only."""
    return read_kept(ws.root / "keys" / PRIVACY_SECRET, "person", _person)


def _person(_path: Path, secret: bytes) -> bytes:
    return hmac.new(secret, PERSON_LABEL, hashlib.sha256).digest()


def person_key(ws: Workspace, nhs_number: str) -> PersonKey:
    """The node-local pseudonym the log and the citizen index know a person by.

    The NHS number's ten digits (spaces and hyphens between them are ignored) must pass
    the check digit and not be a placeholder (one digit ten times): a mistyped number
    would be another person's key, a placeholder everybody's.
    """
    digits = re.sub(r"[\s-]", "", nhs_number)
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise IdentityNotVerified(f"{nhs_number!r} is not an NHS number (10 digits)")
    if not nhs.is_valid(digits):  # a mistyped number would be another person's key
        raise IdentityNotVerified(f"{nhs_number!r} fails the NHS number's check digit")
    if len(set(digits)) == 1:
        raise IdentityNotVerified(f"{nhs_number!r} is a placeholder, not a person's NHS number")
    key = person_secret(ws)
    return PersonKey(hmac.new(key, digits.encode(), hashlib.sha256).hexdigest())
