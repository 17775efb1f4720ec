"""Signed checkpoints: C2SP ``tlog-checkpoint`` bodies in C2SP ``signed-note`` envelopes.

A note is its text (UTF-8, each line ending in a newline), a blank line, then one line
per signature: ``— <key name> <base64(key id || signature)>``. For Ed25519 the key id is
the first four bytes of SHA-256(key name || 0x0A || 0x01 || public key) and the
signature is over the text alone. The checkpoint text is the log's origin, the tree
size in decimal, the root hash in standard base64, then extension lines; we add one,
``timestamp <RFC 3339 UTC>``, which verifiers that do not know it ignore. A verifier key
is written ``<name>+<hex key id>+<base64(0x01 || public key)>``, as Go's ``note``
package does, so auditors can keep it beside the checkpoints they save.

A witness's cosignature (C2SP ``tlog-cosignature``, Ed25519, type 0x04) is one more
signature line on the same note: its key id is SHA-256(name || 0x0A || 0x04 || public
key)[:4], and its signature is an 8-byte big-endian POSIX time then the Ed25519
signature of ``cosignature/v1``, ``time <that time>`` and the note's text, each line
ending in a newline. :func:`cosign` makes one; :func:`open_cosignature` checks one.
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

from accord.audit.errors import BadCheckpoint, BadCosignature

ED25519 = b"\x01"
COSIGNATURE_V1 = b"\x04"
"""The signature type of a C2SP Ed25519 cosignature (tlog-cosignature)."""
COSIGNATURE_HEADER = "cosignature/v1\n"
DASH = "\u2014"
MAX_TIME = 2**63 - 1


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


def key_id(name: str, public: Ed25519PublicKey, kind: bytes = ED25519) -> bytes:
    """The 4-byte key id of (``name``, ``public``) for signature type ``kind``."""
    return hashlib.sha256(name.encode() + b"\n" + kind + _raw(public)).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey, kind: bytes = ED25519) -> str:
    """The text form of a verifier key: ``name+hexid+base64(kind || key)`` (``kind``
    0x01 for a log's key, 0x04 for a cosigner's)."""
    raw = base64.b64encode(kind + _raw(public)).decode()
    return f"{name}+{key_id(name, public, kind).hex()}+{raw}"


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


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise BadCheckpoint(f"key name {name!r} must be non-empty, without spaces or '+'")


def sign(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey) -> str:
    """The checkpoint as a signed note under key ``name``."""
    _check_name(name)
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


def signature_lines(note: str) -> list[tuple[str, bytes, bytes, str]]:
    """Every signature line of a signed note, checked or not: the key name, the 4-byte
    key id, the signature (the node's own, and any a witness added: a cosignature) and
    the line. Lines that are not signature lines are left out."""
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
            found.append((signer, blob[:4], blob[4:], line))
    return found


def note_text(note: str) -> str:
    """The text a signed note's signatures cover: up to the blank line, with its newline."""
    text, sep, _ = note.partition("\n\n")
    if not sep or not text:
        raise BadCheckpoint("not a signed note: no blank line between text and signatures")
    return text + "\n"


def _cosigned_message(text: str, at: int) -> bytes:
    return f"{COSIGNATURE_HEADER}time {at}\n{text}".encode()


def cosign(note: str, name: str, key: Ed25519PrivateKey, at: datetime) -> str:
    """A witness's cosignature of the checkpoint ``note`` at ``at``, under key ``name``:
    one signature line (no newline), to add to the note's signatures."""
    _check_name(name)
    when = int(at.timestamp())
    if not 0 <= when <= MAX_TIME:
        raise BadCheckpoint(f"a cosignature's time must be after 1970, not {at.isoformat()}")
    signature = key.sign(_cosigned_message(note_text(note), when))
    blob = key_id(name, key.public_key(), COSIGNATURE_V1) + when.to_bytes(8, "big") + signature
    return f"{DASH} {name} {base64.b64encode(blob).decode()}"


def open_cosignature(note: str, line: str, name: str, public: Ed25519PublicKey) -> datetime:
    """When the cosignature ``line`` by (``name``, ``public``) was made, once it verifies
    over ``note``'s text; else :class:`BadCosignature` saying what is wrong."""
    dash, _, rest = line.strip("\n").partition(" ")
    signer, _, blob64 = rest.partition(" ")
    if dash != DASH or signer != name:
        raise BadCosignature(f"not a signature line by {name}: '{DASH} {name} <base64>' expected")
    try:
        blob = base64.b64decode(blob64, validate=True)
    except binascii.Error:
        raise BadCosignature(f"the cosignature by {name} is not base64") from None
    wanted = key_id(name, public, COSIGNATURE_V1)
    if len(blob) != 4 + 8 + 64 or blob[:4] != wanted:
        raise BadCosignature(f"the cosignature by {name} is not an Ed25519 cosignature by key "
                            f"{wanted.hex()} (C2SP tlog-cosignature)")  # fmt: skip
    when = int.from_bytes(blob[4:12], "big")
    if when > MAX_TIME:
        raise BadCosignature(f"the cosignature by {name} has a time past 2^63 - 1")
    try:
        public.verify(blob[12:], _cosigned_message(note_text(note), when))
    except InvalidSignature:
        raise BadCosignature(f"the cosignature by {name} does not verify over this "
                            "checkpoint") from None  # fmt: skip
    return datetime.fromtimestamp(when, UTC)
