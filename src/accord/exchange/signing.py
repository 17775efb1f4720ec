"""The exchange's signature profile: RFC 9421 HTTP Message Signatures with Ed25519.

Every request and every response between nodes is signed; the profile is fixed so that
any RFC 9421 client can talk to a node (docs/exchange.md):

* label ``sig1``; algorithm Ed25519 (``alg="ed25519"`` on requests);
* a request covers ``("@method" "@target-uri" "content-digest")`` with ``created``,
  ``nonce``, ``keyid`` (the caller's node id) and ``alg``; without a body it covers
  ``("@method" "@target-uri")`` and carries no ``Content-Digest``;
* a response covers ``("@status" "content-digest")`` with ``created`` and ``keyid``;
* ``Content-Digest`` is RFC 9530's ``sha-256``.

The canonicalisation (signature bases and the structured fields in them) is the
``http-message-signatures`` package's; this module states the profile, checks that what
arrives keeps to it, and compares (in constant time) a received body with the one
digest the profile allows, ``Content-Digest: sha-256=:<base64>:``, itself (the
package's ``ContentDigest`` parses the general field for that, a tenth of a request's
time for a field of one fixed shape; a test holds :func:`digest_field` equal to the
package's :func:`content_digest`). Verification answers with
a :class:`SignatureProblem` naming the reason code the gate turns into a problem
document; the replay window and nonce cache are the gate's (``gate``).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    VerifyResult,
    algorithms,
)

from accord.store import NODE_ID_PATTERN

LABEL = "sig1"
REQUEST_COMPONENTS = ("@method", "@target-uri", "content-digest")
REQUEST_COMPONENTS_NO_BODY = ("@method", "@target-uri")
RESPONSE_COMPONENTS = ("@status", "content-digest")
REQUEST_PARAMETERS = frozenset({"created", "nonce", "keyid", "alg"})
RESPONSE_PARAMETERS = frozenset({"created", "keyid"})
_NODE_ID = re.compile(NODE_ID_PATTERN)
NONCE = re.compile(r"^[A-Za-z0-9_\-]{16,128}$")
"""A nonce the gate accepts: 16-128 base64url characters (the client sends 22)."""
_SIGNATURE_PARAMS = '"@signature-params"'
# The library checks created against its own clock; the gate applies the node's window
# afterwards, so the library's check is opened wide here and the reasons stay ours.
_NO_LIBRARY_WINDOW = timedelta(days=3650)


class SignatureProblem(Exception):
    """A signature that fails the profile: ``code`` is the reason (docs/exchange.md)."""

    def __init__(self, code: str, message: str, key_id: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.key_id = key_id


class Headers:
    """Header fields in wire order, as the signature library reads and writes them."""

    def __init__(self, fields: Iterable[tuple[str, str]] = ()) -> None:
        self._fields = list(fields)

    def items(self) -> list[tuple[str, str]]:
        return list(self._fields)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self._fields))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(n.lower() == name.lower() for n, _ in self._fields)

    def __setitem__(self, name: str, value: str) -> None:
        del self[name]
        self._fields.append((name, value))

    def __delitem__(self, name: str) -> None:
        self._fields = [(n, v) for n, v in self._fields if n.lower() != name.lower()]

    def get(self, name: str) -> str | None:
        found = [v for n, v in self._fields if n.lower() == name.lower()]
        return ", ".join(found) if found else None


@dataclass
class RequestMessage:
    """A request as the signature library sees it: method, absolute URL, headers."""

    method: str
    url: str
    headers: Headers


class Signable(Protocol):
    """A request the library can sign: ours, or an ``httpx.Request``."""

    method: str
    url: Any
    headers: Any


@dataclass
class ResponseMessage:
    """A response as the signature library sees it (no request components are covered)."""

    status_code: int
    headers: Headers
    request: None = None


@dataclass
class _Keys(HTTPSignatureKeyResolver):
    """One node's key for signing, or a look-up of a keyid for verifying."""

    private: Ed25519PrivateKey | None = None
    lookup: Callable[[str], Ed25519PublicKey | None] | None = None
    asked: list[str] = field(default_factory=list)

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        if self.private is None:
            raise KeyError(key_id)
        return self.private

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        self.asked.append(key_id)
        return self.lookup(key_id) if self.lookup is not None else None


def is_node_id(value: str) -> bool:
    return _NODE_ID.fullmatch(value) is not None


def content_digest(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` field of ``body``: ``sha-256=:<base64>:``."""
    return ContentDigest.create(body)


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def _signer(key: Ed25519PrivateKey) -> HTTPMessageSigner:
    return HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_Keys(key))


def sign_request(
    message: Signable,
    body: bytes,
    *,
    node_id: str,
    key: Ed25519PrivateKey,
    created: datetime | None = None,
    nonce: str | None = None,
) -> None:
    """Sign ``message`` in place to the request profile (adds ``Content-Digest`` when
    there is a body, ``Signature-Input`` and ``Signature``)."""
    _sign(
        message,
        key,
        key_id=node_id,
        created=created or datetime.now(UTC),
        nonce=nonce or new_nonce(),
        include_alg=True,
        covered_component_ids=REQUEST_COMPONENTS if body else REQUEST_COMPONENTS_NO_BODY,
        body=body or None,
    )


def _sign(message: Any, key: Ed25519PrivateKey, **signed: Any) -> None:
    """Sign ``message`` in place: the library's signature base (``prepare``), signed
    with ``key``; the two fields it makes, ``Signature-Input`` and ``Signature``, each an
    RFC 8941 dictionary of one member, written here. (The library's ``sign`` then
    ``apply`` builds the base a second time to check that the message did not change
    since ``prepare``: ours is not shared, and that second pass was a third of a
    signature's cost.) The library is handed a copy of the message with only what the
    profile covers (the method, the target URI or the status, and ``Content-Digest``):
    it reads every field it is given, and an HTTP client's headers cost it a fifth of
    a signature more, for fields no signature of the profile covers."""
    digests = [(n, v) for n, v in message.headers.items() if n.lower() == "content-digest"]
    twin = (ResponseMessage(message.status_code, Headers(digests))
            if isinstance(message, ResponseMessage)
            else RequestMessage(message.method, str(message.url), Headers(digests)))  # fmt: skip
    prepared = _signer(key).prepare(twin, label=LABEL, **signed)
    made = twin.headers.get("content-digest")
    if made is not None and not digests:
        message.headers["Content-Digest"] = made
    signature = base64.b64encode(key.sign(prepared.signature_base)).decode("ascii")
    message.headers["Signature-Input"] = f"{prepared.label}={prepared.signature_params}"
    message.headers["Signature"] = f"{prepared.label}=:{signature}:"


def sign_response(
    message: ResponseMessage,
    body: bytes,
    *,
    node_id: str,
    key: Ed25519PrivateKey,
    created: datetime | None = None,
) -> None:
    """Sign ``message`` in place to the response profile (adds ``Content-Digest``,
    ``Signature-Input`` and ``Signature``)."""
    _sign(
        message,
        key,
        key_id=node_id,
        created=created or datetime.now(UTC),
        include_alg=False,
        covered_component_ids=RESPONSE_COMPONENTS,
        body=body,
    )


def digest_field(sha256: bytes) -> str:
    """The ``Content-Digest`` field of a body whose SHA-256 is ``sha256`` (a body hashed
    as it was written, never held whole)."""
    return f"sha-256=:{base64.b64encode(sha256).decode('ascii')}:"


def sign_response_streamed(
    message: ResponseMessage,
    *,
    node_id: str,
    key: Ed25519PrivateKey,
    created: datetime | None = None,
) -> None:
    """Sign ``message`` to the response profile over the ``Content-Digest`` it already
    carries (the body is a file hashed when it was written, then streamed)."""
    _sign(
        message,
        key,
        key_id=node_id,
        created=created or datetime.now(UTC),
        include_alg=False,
        covered_component_ids=RESPONSE_COMPONENTS,
        use_existing_digest=True,
    )


@dataclass(frozen=True)
class Verified:
    """What a signature that keeps to the profile vouches for."""

    key_id: str
    created: int
    nonce: str


def verify_request(
    message: RequestMessage, body: bytes, lookup: Callable[[str], Ed25519PublicKey | None]
) -> Verified:
    """Check ``message``'s signature against the request profile; the key is
    ``lookup(keyid)`` (None: no such node). :class:`SignatureProblem` on any failure."""
    result = _verify(message, lookup, "request")
    covered = _components(result)
    expected = REQUEST_COMPONENTS if body else REQUEST_COMPONENTS_NO_BODY
    key_id = str(result.parameters.get("keyid", ""))
    if covered != expected:
        raise SignatureProblem(
            "signature-profile",
            f"the signature covers ({' '.join(covered)});"
            f" a request with{'' if body else 'out'} a body must cover "
            f"({' '.join(expected)})",
            key_id,
        )
    _check_parameters(result, REQUEST_PARAMETERS, key_id)
    if result.parameters.get("alg") != "ed25519":
        raise SignatureProblem("signature-profile", 'the signature must say alg="ed25519"', key_id)
    nonce = str(result.parameters["nonce"])
    if not NONCE.fullmatch(nonce):
        raise SignatureProblem(
            "signature-profile", "the nonce must be 16-128 base64url characters", key_id
        )
    if body:
        _check_digest(result, hashlib.sha256(body).digest(), key_id)
    return Verified(key_id, int(result.parameters["created"]), nonce)


def _response_signature(
    message: ResponseMessage, key_id: str, key: Ed25519PublicKey
) -> VerifyResult:
    """The response's signature by ``key_id`` verified and kept to the response profile
    (its digest is for the caller to check, against a body or a file's hash)."""
    result = _verify(message, lambda asked: key if asked == key_id else None, "response")
    covered = _components(result)
    if covered != RESPONSE_COMPONENTS:
        raise SignatureProblem(
            "signature-profile",
            f"the response's signature covers "
            f"({' '.join(covered)}), not ({' '.join(RESPONSE_COMPONENTS)})",
        )
    _check_parameters(result, RESPONSE_PARAMETERS | {"alg"}, key_id, required=RESPONSE_PARAMETERS)
    return result


def verify_response(
    message: ResponseMessage, body: bytes, key_id: str, key: Ed25519PublicKey
) -> int:
    """Check a response's signature against the response profile, by node ``key_id``
    with ``key``; its ``created`` time. :class:`SignatureProblem` on any failure."""
    result = _response_signature(message, key_id, key)
    _check_digest(result, hashlib.sha256(body).digest(), key_id)
    return int(result.parameters["created"])


def verify_streamed_response(
    message: ResponseMessage, sha256: bytes, key_id: str, key: Ed25519PublicKey
) -> int:
    """:func:`verify_response` for a body received to a file: its SHA-256 (computed while
    it was written) must be the signed ``Content-Digest``; the ``created`` time."""
    result = _response_signature(message, key_id, key)
    _check_digest(result, sha256, key_id, "the body received does not match its signed "
                  "Content-Digest (changed, or cut short)")  # fmt: skip
    return int(result.parameters["created"])


def _verify(
    message: RequestMessage | ResponseMessage,
    lookup: Callable[[str], Ed25519PublicKey | None],
    what: str,
) -> VerifyResult:
    if "signature-input" not in message.headers and "signature" not in message.headers:
        raise SignatureProblem(
            "unsigned",
            f"the {what} carries no HTTP message signature (Signature-Input and Signature)",
        )
    keys = _Keys(lookup=lookup)
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=keys)
    verifier.max_clock_skew = _NO_LIBRARY_WINDOW
    try:
        results = verifier.verify(_named(message), max_age=None)
    except HTTPMessageSignaturesException as exc:
        claimed = keys.asked[-1] if keys.asked else ""
        if claimed and lookup(claimed) is None:
            shown = claimed if is_node_id(claimed) else "(not a node id)"
            raise SignatureProblem(
                "unknown-node", f"keyid {shown} names no member of the federation", claimed
            ) from None
        raise SignatureProblem(
            "bad-signature", f"the signature does not verify: {exc}", claimed
        ) from None
    result = results[0]
    if result.label != LABEL:
        raise SignatureProblem(
            "signature-profile",
            f"the signature is labelled {result.label[:40]!r}, not {LABEL!r}",
            str(result.parameters.get("keyid", "")),
        )
    return result


def _named(message: RequestMessage | ResponseMessage) -> RequestMessage | ResponseMessage:
    """``message`` with only the header fields a signature of it can cover: its own two
    and those ``Signature-Input`` names (a covered field is named there, quoted and in
    lower case). The library reads every field it is given into a dictionary before it
    looks for the covered ones, and a request carries a dozen it never covers."""
    named = (message.headers.get("signature-input") or "").lower()
    kept = Headers([(n, v) for n, v in message.headers.items()
                    if n.lower() in _SIGNATURE_FIELDS or f'"{n.lower()}"' in named])  # fmt: skip
    return dataclasses.replace(message, headers=kept)


_SIGNATURE_FIELDS = frozenset({"signature-input", "signature"})


def _components(result: VerifyResult) -> tuple[str, ...]:
    return tuple(k.strip('"') for k in result.covered_components if k != _SIGNATURE_PARAMS)


def _check_parameters(
    result: VerifyResult,
    allowed: frozenset[str],
    key_id: str,
    required: frozenset[str] | None = None,
) -> None:
    given = set(result.parameters)
    needed = required if required is not None else allowed
    if not needed <= given or not given <= allowed:
        raise SignatureProblem(
            "signature-profile",
            f"the signature's parameters are "
            f"{', '.join(sorted(given))}; the profile needs "
            f"{', '.join(sorted(needed))}",
            key_id,
        )


def _check_digest(
    result: VerifyResult,
    sha256: bytes,
    key_id: str,
    mismatch: str = "the body does not match its signed Content-Digest: it was changed after "
    "signing",
) -> None:
    """The signed ``Content-Digest`` must be the profile's one SHA-256 digest (RFC 9530:
    ``sha-256=:<base64>:``, parameters ignored, the padding optional as RFC 8941 asks of
    parsers), and of the body whose SHA-256 is ``sha256``, compared in constant time."""
    found = _SHA256_FIELD.fullmatch(result.covered_components.get('"content-digest"', ""))
    given: bytes | None = None
    if found is not None:
        coded = found.group(1).rstrip("=")
        with suppress(binascii.Error, ValueError):
            given = base64.b64decode(coded + "=" * (-len(coded) % 4), validate=True)
    if given is None or len(given) != len(sha256):
        raise SignatureProblem(
            "signature-profile", "Content-Digest must be one sha-256 digest (RFC 9530)", key_id
        )
    if not hmac.compare_digest(given, sha256):
        raise SignatureProblem("digest-mismatch", mismatch, key_id)


_SHA256_FIELD = re.compile(r"[ \t]*sha-256=:([A-Za-z0-9+/]*={0,2}):(?:;[^,]*)?[ \t]*")
