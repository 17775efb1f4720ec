"""The signature profile against RFC 9421's and RFC 9530's own examples, and its checks."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    algorithms,
)

from accord.exchange import (
    Headers,
    RequestMessage,
    ResponseMessage,
    SignatureProblem,
    content_digest,
    sign_request,
    sign_response,
    verify_request,
    verify_response,
)
from accord.exchange.signing import digest_field

# RFC 9421 appendix B.1.4, the test key test-key-ed25519.
RFC_PRIVATE = (b"-----BEGIN PRIVATE KEY-----\n"
               b"MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n"
               b"-----END PRIVATE KEY-----\n")  # fmt: skip
RFC_PUBLIC = (b"-----BEGIN PUBLIC KEY-----\n"
              b"MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n"
              b"-----END PUBLIC KEY-----\n")  # fmt: skip
# RFC 9421 appendix B.2.6: the test request, and the signature it must get.
B26_INPUT = ('sig-b26=("date" "@method" "@path" "@authority" "content-type" '
             '"content-length");created=1618884473;keyid="test-key-ed25519"')  # fmt: skip
B26_SIGNATURE = ("sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w"
                 "6vuQv5lIp5WPpBKRCw==:")  # fmt: skip


def _rfc_key() -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(RFC_PRIVATE, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def _rfc_request() -> RequestMessage:
    return RequestMessage("POST", "https://example.com/foo?param=Value&Pet=dog", Headers([
        ("Host", "example.com"), ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
        ("Content-Type", "application/json"),
        ("Content-Digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIi"
                           "Yllu7BNNyealdVLvRwEmTHWXvJwew==:"),
        ("Content-Length", "18")]))  # fmt: skip


class _Key:
    def __init__(self, private: Ed25519PrivateKey | None, public: Ed25519PublicKey | None) -> None:
        self.private, self.public = private, public

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        assert self.private is not None
        return self.private

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        return self.public


def test_the_messages_sign_the_rfc_9421_ed25519_example_exactly() -> None:
    message = _rfc_request()
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                               key_resolver=_Key(_rfc_key(), None))  # fmt: skip
    signer.sign(message, key_id="test-key-ed25519", label="sig-b26", include_alg=False,
                use_existing_digest=True,
                created=datetime.fromtimestamp(1618884473, UTC),
                covered_component_ids=("date", "@method", "@path", "@authority", "content-type",
                                       "content-length"))  # fmt: skip
    assert message.headers.get("Signature-Input") == B26_INPUT
    assert message.headers.get("Signature") == B26_SIGNATURE


def test_the_rfc_9421_example_verifies_with_the_rfc_public_key() -> None:
    message = _rfc_request()
    message.headers["Signature-Input"] = B26_INPUT
    message.headers["Signature"] = B26_SIGNATURE
    public = serialization.load_pem_public_key(RFC_PUBLIC)
    assert isinstance(public, Ed25519PublicKey)
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519,
                                   key_resolver=_Key(None, public))  # fmt: skip
    [result] = verifier.verify(message, max_age=None)
    assert result.parameters["keyid"] == "test-key-ed25519"


def test_content_digest_is_rfc_9530_sha_256() -> None:
    # RFC 9530 section 2 and appendix B: the digests of {"hello": "world"}.
    assert content_digest(b'{"hello": "world"}') == (
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    )
    assert content_digest(b"") == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"


@pytest.mark.parametrize("body", [b"", b'{"hello": "world"}', bytes(range(256)) * 40])
def test_the_profile_s_own_digest_field_is_the_library_s(body: bytes) -> None:
    # Signing writes (and verifying compares) Content-Digest itself: the one sha-256
    # member the profile allows, spelt as the library spells it.
    assert digest_field(hashlib.sha256(body).digest()) == content_digest(body)


KEY = Ed25519PrivateKey.generate()
URL = "http://127.0.0.1:8080/api/v1/catalogue"


def _lookup(key_id: str) -> Ed25519PublicKey | None:
    return KEY.public_key() if key_id == "A81001" else None


def _request(body: bytes = b"") -> RequestMessage:
    message = RequestMessage("GET" if not body else "POST", URL, Headers())
    sign_request(message, body, node_id="A81001", key=KEY)
    return message


def test_a_request_is_signed_to_the_profile() -> None:
    message = _request(b'{"hello": "world"}')
    signature_input = message.headers.get("Signature-Input") or ""
    assert signature_input.startswith('sig1=("@method" "@target-uri" "content-digest");created=')
    for parameter in ('keyid="A81001"', 'alg="ed25519"', "nonce="):
        assert parameter in signature_input
    assert message.headers.get("Content-Digest") == content_digest(b'{"hello": "world"}')
    verified = verify_request(message, b'{"hello": "world"}', _lookup)
    assert verified.key_id == "A81001"


def test_a_request_without_a_body_covers_no_digest() -> None:
    message = _request()
    assert message.headers.get("Content-Digest") is None
    assert (message.headers.get("Signature-Input") or "").startswith(
        'sig1=("@method" "@target-uri");'
    )
    assert verify_request(message, b"", _lookup).nonce


def test_a_response_is_signed_to_the_profile_and_verified() -> None:
    message = ResponseMessage(200, Headers([("Content-Type", "application/json")]))
    sign_response(message, b"{}", node_id="RX1", key=KEY)
    assert (message.headers.get("Signature-Input") or "").startswith(
        'sig1=("@status" "content-digest");created='
    )
    assert verify_response(message, b"{}", "RX1", KEY.public_key()) > 0
    with pytest.raises(SignatureProblem) as changed:
        verify_response(message, b"[]", "RX1", KEY.public_key())
    assert changed.value.code == "digest-mismatch"
    with pytest.raises(SignatureProblem) as other:
        verify_response(message, b"{}", "A81001", KEY.public_key())
    assert other.value.code == "unknown-node"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda m: m.headers.__delitem__("Signature"), "bad-signature"),
        (lambda m: (m.headers.__delitem__("Signature"), m.headers.__delitem__("Signature-Input")),
         "unsigned"),
        (lambda m: setattr(m, "url", URL + "?all=1"), "bad-signature"),
        (lambda m: setattr(m, "method", "DELETE"), "bad-signature"),
    ],
    ids=["no-signature", "unsigned", "another-uri", "another-method"],
)  # fmt: skip
def test_a_changed_request_does_not_verify(change: object, code: str) -> None:
    message = _request()
    change(message)  # type: ignore[operator]
    with pytest.raises(SignatureProblem) as refused:
        verify_request(message, b"", _lookup)
    assert refused.value.code == code


def _signed_with(**options: object) -> RequestMessage:
    message = RequestMessage("GET", URL, Headers())
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                               key_resolver=_Key(KEY, None))  # fmt: skip
    settings: dict[str, object] = {"key_id": "A81001", "label": "sig1", "nonce": "n" * 22,
                                   "covered_component_ids": ("@method", "@target-uri")}  # fmt: skip
    signer.sign(message, **{**settings, **options})  # type: ignore[arg-type]
    return message


@pytest.mark.parametrize(
    "options",
    [{"label": "sig2"}, {"nonce": None}, {"nonce": "short"}, {"include_alg": False},
     {"covered_component_ids": ("@method", "@path")}, {"tag": "other"},
     {"covered_component_ids": ("@method", "@target-uri", "content-digest"), "body": b""}],
    ids=["label", "no-nonce", "short-nonce", "no-alg", "coverage", "tag", "digest-without-body"],
)  # fmt: skip
def test_a_signature_off_the_profile_is_refused(options: dict[str, object]) -> None:
    with pytest.raises(SignatureProblem) as refused:
        verify_request(_signed_with(**options), b"", _lookup)
    assert refused.value.code == "signature-profile", str(refused.value)


class _AsGiven(ContentDigest):
    """A client that signs whatever Content-Digest it was given, checking nothing."""

    @classmethod
    def prepare(cls, headers: object, body: bytes | None, *, use_existing_digest: bool) -> None:
        return None


def _signed_over_digest(field: str, body: bytes) -> RequestMessage:
    """A POST whose Content-Digest is ``field`` as given, signed (any RFC 9421 client)."""
    message = RequestMessage("POST", URL, Headers([("Content-Digest", field)]))
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                               key_resolver=_Key(KEY, None))  # fmt: skip
    signer.content_digest_class = _AsGiven
    signer.sign(message, key_id="A81001", label="sig1", nonce="n" * 22, include_alg=True,
                covered_component_ids=("@method", "@target-uri", "content-digest"),
                use_existing_digest=True)  # fmt: skip
    return message


BODY = b'{"hello": "world"}'
PADDED = base64.b64encode(hashlib.sha256(BODY).digest()).decode()


@pytest.mark.parametrize(
    ("field", "code"),
    [(f"sha-256=:{PADDED}:", None),
     (f"sha-256=:{PADDED.rstrip('=')}:", None),  # RFC 8941: parsers take it unpadded
     (f"sha-256=:{PADDED}:;note=1", None),  # a member's parameters are not the digest
     (f"sha-256=:{base64.b64encode(hashlib.sha256(b'other').digest()).decode()}:",
      "digest-mismatch"),
     (f"sha-512=:{base64.b64encode(hashlib.sha512(BODY).digest()).decode()}:",
      "signature-profile"),
     (f"sha-256=:{PADDED}:, sha-512=:{base64.b64encode(bytes(64)).decode()}:",
      "signature-profile"),
     ("sha-256=:AAAA:", "signature-profile"),
     ("sha-256=abc", "signature-profile")],
    ids=["canonical", "unpadded", "parameter", "other-body", "sha-512", "two-digests",
         "short", "not-bytes"],
)  # fmt: skip
def test_a_request_s_digest_is_one_sha_256_of_its_body(field: str, code: str | None) -> None:
    message = _signed_over_digest(field, BODY)
    if code is None:
        assert verify_request(message, BODY, _lookup).key_id == "A81001"
        return
    with pytest.raises(SignatureProblem) as refused:
        verify_request(message, BODY, _lookup)
    assert refused.value.code == code, str(refused.value)


def test_an_unknown_keyid_is_named_only_when_it_is_a_node_id() -> None:
    message = _signed_with(key_id="../../etc")
    with pytest.raises(SignatureProblem, match=r"\(not a node id\)") as refused:
        verify_request(message, b"", _lookup)
    assert refused.value.code == "unknown-node"
