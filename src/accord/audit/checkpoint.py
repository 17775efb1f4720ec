"""Signed checkpoints: C2SP ``tlog-checkpoint`` bodies in C2SP ``signed-note`` envelopes.

A note is its text (UTF-8, each line ending in a newline), a blank line, then one line
per signature: ``— <key name> <base64(key id || signature)>``. For Ed25519 the key id is
the first four bytes of SHA-256(key name || 0x0A || 0x01 || public key) and the
signature is over the text alone. The checkpoint text is the log's origin, the tree
size in decimal, the root hash in standard base64, then extension lines; we add one,
``timestamp <RFC 3339 UTC>``, which verifiers that do not know it ignore. A verifier key
is written ``<name>+<hex key id>+<base64(0x01 || public key)>``, as Go's ``note``
package does, so auditors can keep it beside the checkpoints they save.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord.audit.errors import BadCheckpoint

ED25519 = b"\x01"
DASH = "\u2014"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the log's size and root at a moment."""

    origin: str
    size: int
    root: bytes
    timestamp: datetime

    def text(self) -> str:
        stamp = self.timestamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        root = base64.b64encode(self.root).decode()
        return f"{self.origin}\n{self.size}\n{root}\ntimestamp {stamp}\n"


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + _raw(public)).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    """The text form of a verifier key: ``name+hexid+base64(0x01 || key)``."""
    raw = base64.b64encode(ED25519 + _raw(public)).decode()
    return f"{name}+{key_id(name, public).hex()}+{raw}"


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    try:
        name, kid, raw = text.strip().split("+", 2)
        key = base64.b64decode(raw, validate=True)
        public = Ed25519PublicKey.from_public_bytes(key[1:])
    except (ValueError, binascii.Error) as exc:
        raise BadCheckpoint(f"not a verifier key: {text.strip()[:60]!r}") from exc
    if key[:1] != ED25519 or key_id(name, public).hex() != kid:
        raise BadCheckpoint(f"verifier key {name!r}: its key id does not match its key")
    return name, public


def sign(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey) -> str:
    """The checkpoint as a signed note under key ``name``."""
    if not name or any(c.isspace() or c == "+" for c in name):
        raise BadCheckpoint(f"key name {name!r} must be non-empty, without spaces or '+'")
    text = checkpoint.text()
    blob = key_id(name, key.public_key()) + key.sign(text.encode())
    return f"{text}\n{DASH} {name} {base64.b64encode(blob).decode()}\n"


def open_note(note: str, name: str, public: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint in ``note`` once a signature by (``name``, ``public``) verifies."""
    text, sep, signatures = note.partition("\n\n")
    if not sep or not text:
        raise BadCheckpoint("not a signed note: no blank line between text and signatures")
    text += "\n"
    wanted = key_id(name, public)
    for line in signatures.splitlines():
        dash, _, rest = line.partition(" ")
        signer, _, blob64 = rest.partition(" ")
        if dash != DASH or signer != name:
            continue
        try:
            blob = base64.b64decode(blob64, validate=True)
        except binascii.Error:
            continue
        if blob[:4] != wanted:
            continue
        try:
            public.verify(blob[4:], text.encode())
        except InvalidSignature as exc:
            raise BadCheckpoint(f"the signature by {name} does not verify") from exc
        return parse(text)
    raise BadCheckpoint(f"no signature by {name} ({wanted.hex()}) on this checkpoint")


def parse(text: str) -> Checkpoint:
    """The checkpoint body (already verified) as values."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise BadCheckpoint("a checkpoint has an origin, a size and a root hash, one a line")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise BadCheckpoint(f"checkpoint size {size!r} is not a decimal number")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except binascii.Error as exc:
        raise BadCheckpoint(f"checkpoint root {root!r} is not base64") from exc
    stamp = next((ln[10:] for ln in lines[3:] if ln.startswith("timestamp ")), "")
    try:
        when = datetime.fromisoformat(stamp) if stamp else datetime.fromtimestamp(0, UTC)
    except ValueError as exc:
        raise BadCheckpoint(f"checkpoint timestamp {stamp!r} is not RFC 3339") from exc
    return Checkpoint(origin=origin, size=int(size), root=root_hash, timestamp=when)


def signature_lines(note: str) -> list[tuple[str, bytes, bytes]]:
    """Every signature line of a signed note, checked or not: the key name, the 4-byte
    key id and the signature (the node's own, and any a witness added: a cosignature).
    Lines that are not signature lines are left out."""
    _, sep, signatures = note.partition("\n\n")
    found = []
    for line in signatures.splitlines() if sep else []:
        dash, _, rest = line.partition(" ")
        signer, _, blob64 = rest.partition(" ")
        try:
            blob = base64.b64decode(blob64, validate=True)
        except binascii.Error:
            continue
        if dash == DASH and signer and len(blob) > 4:
            found.append((signer, blob[:4], blob[4:]))
    return found
