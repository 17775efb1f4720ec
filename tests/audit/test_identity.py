"""Identity providers: the local one, and OpenID Connect ID tokens checked in full."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from accord.audit import IdentityNotVerified, LocalProvider, OidcProvider

ISSUER, CLIENT, NOW = "https://auth.login.nhs.uk", "accord-portal", 1_800_000_000


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _n(value: int, size: int) -> str:
    return _b64(value.to_bytes(size, "big"))


def _token(key: Any, alg: str, kid: str, **claims: Any) -> str:
    body = {"iss": ISSUER, "aud": CLIENT, "exp": NOW + 300, "iat": NOW, "nonce": "n-1",
            "nhs_number": "9434765919", "birthdate": "1980-02-29",
            "identity_proofing_level": "P9", **claims}  # fmt: skip
    head = _b64(json.dumps({"alg": alg, "kid": kid}).encode())
    signed = f"{head}.{_b64(json.dumps(body).encode())}"
    if alg == "RS256":
        sig = key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(key.sign(signed.encode(), ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signed}.{_b64(sig)}"


@pytest.fixture(scope="module")
def keys() -> tuple[Any, Any, dict[str, Any]]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    rn, en = rsa_key.public_key().public_numbers(), ec_key.public_key().public_numbers()
    jwks = {"keys": [
        {"kty": "RSA", "kid": "r1", "n": _n(rn.n, 256), "e": _n(rn.e, 3)},
        {"kty": "EC", "kid": "e1", "crv": "P-256", "x": _n(en.x, 32), "y": _n(en.y, 32)},
    ]}  # fmt: skip
    return rsa_key, ec_key, jwks


def _provider(jwks: dict[str, Any]) -> OidcProvider:
    return OidcProvider(issuer=ISSUER, client_id=CLIENT, jwks=jwks, clock=lambda: NOW)


def test_a_good_id_token_verifies_a_person(keys: tuple[Any, Any, dict[str, Any]]) -> None:
    rsa_key, ec_key, jwks = keys
    for token in (_token(rsa_key, "RS256", "r1"), _token(ec_key, "ES256", "e1")):
        person = _provider(jwks).verify({"id_token": token, "nonce": "n-1"})
        assert person.nhs_number == "9434765919"
        assert person.date_of_birth == date(1980, 2, 29)


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"iss": "https://evil.example"}, "issuer"),
        ({"aud": "someone-else"}, "audience"),
        ({"aud": [CLIENT, "another-client"]}, "azp"),
        ({"aud": [CLIENT, "another-client"], "azp": "another-client"}, "azp"),
        ({"azp": "another-client"}, "azp"),
        ({"exp": NOW - 3600}, "expired"),
        ({"nonce": "replayed"}, "nonce"),
        ({"iat": NOW + 3600}, "future"),
        # Proofed below the level this service needs, or not at all: not who they say.
        ({"identity_proofing_level": "P5"}, "identity_proofing_level is 'P5': this service"),
        ({"identity_proofing_level": None}, "identity_proofing_level is none"),
        ({"identity_proofing_level": ["P9"]}, "identity_proofing_level"),
    ],
)
def test_bad_claims_are_refused(
    keys: tuple[Any, Any, dict[str, Any]], claims: dict[str, Any], why: str
) -> None:
    token = _token(keys[0], "RS256", "r1", **claims)
    with pytest.raises(IdentityNotVerified, match=why):
        _provider(keys[2]).verify({"id_token": token, "nonce": "n-1"})


def test_the_proofing_level_accepted_is_the_provider_s_own(
    keys: tuple[Any, Any, dict[str, Any]],
) -> None:
    # GOV.UK One Login names it `vot`, its medium level P2.
    token = _token(keys[0], "RS256", "r1", vot="P2", identity_proofing_level=None)
    one_login = OidcProvider(issuer=ISSUER, client_id=CLIENT, jwks=keys[2], clock=lambda: NOW,
                             assurance_claim="vot", assurance_levels=("P2",))  # fmt: skip
    assert one_login.verify({"id_token": token, "nonce": "n-1"}).nhs_number
    with pytest.raises(IdentityNotVerified, match="vot is 'P1'"):
        one_login.verify({"id_token": _token(keys[0], "RS256", "r1", vot="P1"), "nonce": "n-1"})


def test_a_token_for_several_audiences_names_this_client_as_its_party(
    keys: tuple[Any, Any, dict[str, Any]],
) -> None:
    token = _token(keys[0], "RS256", "r1", aud=[CLIENT, "another-client"], azp=CLIENT)
    assert _provider(keys[2]).verify({"id_token": token, "nonce": "n-1"}).nhs_number


def test_forged_or_unknown_signatures_are_refused(keys: tuple[Any, Any, dict[str, Any]]) -> None:
    rsa_key, ec_key, jwks = keys
    head, _body, sig = _token(rsa_key, "RS256", "r1").split(".")
    forged_body = _b64(json.dumps({"nhs_number": "1111111111"}).encode())
    for token in (f"{head}.{forged_body}.{sig}", _token(rsa_key, "RS256", "nope"),
                  _token(ec_key, "ES256", "r1"), "not-a-jwt"):  # fmt: skip
        with pytest.raises(IdentityNotVerified):
            _provider(jwks).verify({"id_token": token, "nonce": "n-1"})


def test_the_local_provider_asks_its_check() -> None:
    provider = LocalProvider(known=lambda nhs, dob: (nhs, dob) == ("9434765919", date(1980, 2, 29)))
    assert provider.verify({"nhs_number": "943 476 5919", "date_of_birth": "1980-02-29"})
    with pytest.raises(IdentityNotVerified, match="no person"):
        provider.verify({"nhs_number": "9434765919", "date_of_birth": "1980-03-01"})
    with pytest.raises(IdentityNotVerified, match="not a date"):
        provider.verify({"nhs_number": "9434765919", "date_of_birth": "29/02/1980"})
