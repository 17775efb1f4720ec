"""Identity verification for the citizen view: a provider interface and two providers.

:class:`OidcProvider` is for production (GOV.UK One Login, NHS login): it checks an
OpenID Connect ID token's signature against the provider's JWKS (RS256, ES256 or EdDSA),
its issuer, audience and authorised party, expiry and nonce, and reads the NHS number
and date of birth from its claims. Fetching the discovery document and the JWKS over
HTTPS (and caching them by ``kid``) is the deployment's job and is not done here: the
JWKS is given. :class:`LocalProvider` is for development, the demo and tests: NHS number
and date of birth, checked by a callable the caller supplies (the CLI checks a
dataset's snapshot).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from accord.audit.errors import IdentityNotVerified


@dataclass(frozen=True)
class VerifiedPerson:
    """A person whose identity a provider vouched for."""

    nhs_number: str
    date_of_birth: date | None
    provider: str


class IdentityProvider(Protocol):
    """Turns evidence (a form's fields, an ID token) into a verified person, or refuses."""

    @property
    def name(self) -> str: ...

    def verify(self, evidence: Mapping[str, str]) -> VerifiedPerson: ...


@dataclass(frozen=True)
class LocalProvider:
    """Development only: NHS number and date of birth, checked by ``known``."""

    known: Callable[[str, date], bool]
    name: str = "local"

    def verify(self, evidence: Mapping[str, str]) -> VerifiedPerson:
        nhs, born = evidence.get("nhs_number", "").replace(" ", ""), evidence.get("date_of_birth")
        try:
            dob = date.fromisoformat(born or "")
        except ValueError as exc:
            raise IdentityNotVerified(
                f"date of birth {born!r} is not a date like 1980-02-29"
            ) from exc
        if not self.known(nhs, dob):
            raise IdentityNotVerified("no person with that NHS number and date of birth")
        return VerifiedPerson(nhs_number=nhs, date_of_birth=dob, provider=self.name)


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class OidcProvider:
    """An OpenID Connect provider whose ID tokens prove who the person is."""

    issuer: str
    client_id: str
    jwks: Mapping[str, Any]
    name: str = "oidc"
    nhs_number_claim: str = "nhs_number"
    birthdate_claim: str = "birthdate"
    assurance_claim: str = "identity_proofing_level"
    assurance_levels: tuple[str, ...] = ("P9",)
    """The identity proofing levels accepted (NHS login's ``identity_proofing_level``
    P9; GOV.UK One Login's ``vot`` P2): a token without one of them is refused, since a
    lower level does not prove who the person is. Empty: not checked."""
    leeway_seconds: int = 60
    clock: Callable[[], float] = time.time

    def verify(self, evidence: Mapping[str, str]) -> VerifiedPerson:
        claims = self.claims(evidence.get("id_token", ""), evidence.get("nonce", ""))
        if self.assurance_levels:
            level = claims.get(self.assurance_claim)
            if not isinstance(level, str) or level not in self.assurance_levels:
                shown = repr(level)[:40] if level is not None else "none"
                raise IdentityNotVerified(
                    f"the ID token's {self.assurance_claim} is {shown}: this service needs "
                    f"{' or '.join(self.assurance_levels)}"
                )
        nhs = str(claims.get(self.nhs_number_claim) or "")
        if not nhs:
            raise IdentityNotVerified(f"the ID token carries no {self.nhs_number_claim} claim")
        born = claims.get(self.birthdate_claim)
        return VerifiedPerson(nhs_number=nhs, provider=self.name,
                              date_of_birth=date.fromisoformat(born) if born else None)  # fmt: skip

    def claims(self, token: str, nonce: str) -> dict[str, Any]:
        """The token's claims once signature, issuer, audience (and authorised party),
        expiry and nonce hold."""
        try:
            head64, body64, sig64 = token.split(".")
            header, claims = json.loads(_b64url(head64)), json.loads(_b64url(body64))
            signature = _b64url(sig64)
        except (ValueError, binascii.Error) as exc:
            raise IdentityNotVerified("the ID token is not a signed JWT") from exc
        _check_signature(header, self._key(header), f"{head64}.{body64}".encode(), signature)
        self._check_claims(claims, nonce)
        return dict(claims)

    def _key(self, header: Mapping[str, Any]) -> Mapping[str, Any]:
        keys = [k for k in self.jwks.get("keys", []) if k.get("kid") == header.get("kid")]
        if len(keys) != 1:
            raise IdentityNotVerified(f"no key {header.get('kid')!r} in the provider's JWKS")
        return dict(keys[0])

    def _check_claims(self, claims: Mapping[str, Any], nonce: str) -> None:
        now, leeway = self.clock(), self.leeway_seconds
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        problems = [
            (claims.get("iss") != self.issuer, f"issuer is not {self.issuer}"),
            (self.client_id not in audiences, f"audience does not include {self.client_id}"),
            # OpenID Connect Core 3.1.3.7: with several audiences, the party it was issued
            # to must be named, and where it is named it must be this client.
            (
                len(audiences) > 1 and "azp" not in claims,
                "several audiences and no authorised party (azp)",
            ),
            (
                "azp" in claims and claims["azp"] != self.client_id,
                f"the authorised party (azp) is not {self.client_id}",
            ),
            (not isinstance(claims.get("exp"), int | float), "no expiry"),
            (float(claims.get("exp") or 0) + leeway < now, "the token has expired"),
            (float(claims.get("iat") or 0) - leeway > now, "the token was issued in the future"),
            (not nonce or claims.get("nonce") != nonce, "the nonce does not match this login"),
        ]
        for failed, why in problems:
            if failed:
                raise IdentityNotVerified(f"ID token refused: {why}")


def _check_signature(
    header: Mapping[str, Any], jwk: Mapping[str, Any], signed: bytes, signature: bytes
) -> None:
    alg = header.get("alg")
    try:
        if alg == "RS256" and jwk.get("kty") == "RSA":
            numbers = rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"]))
            numbers.public_key().verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "ES256" and jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            point = ec.EllipticCurvePublicNumbers(_int(jwk["x"]), _int(jwk["y"]), ec.SECP256R1())
            der = encode_dss_signature(_int_b(signature[:32]), _int_b(signature[32:]))
            point.public_key().verify(der, signed, ec.ECDSA(hashes.SHA256()))
        elif alg == "EdDSA" and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            Ed25519PublicKey.from_public_bytes(_b64url(jwk["x"])).verify(signature, signed)
        else:
            raise IdentityNotVerified(f"ID token algorithm {alg!r} is not accepted for this key")
    except (InvalidSignature, ValueError, KeyError) as exc:
        raise IdentityNotVerified("the ID token's signature does not verify") from exc


def _int(text: str) -> int:
    return _int_b(_b64url(text))


def _int_b(raw: bytes) -> int:
    return int.from_bytes(raw, "big")
