"""Node settings: one ``BaseSettings``, read from the environment and ``accord.toml``.

Environment variables (``ACCORD_STORE_URL`` ...) win over the workspace file, which wins
over the defaults, so CI can point a workspace at PostgreSQL without editing it. A bad
value is refused with :class:`InvalidSettings` naming where it came from: the file and
its key, or the environment variable.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from ipaddress import ip_network
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from accord.store.errors import InvalidName, InvalidSettings
from accord.store.files import UnreadableDocument, excerpt, read_text
from accord.store.layout import WORKSPACE_FILE
from accord.store.names import NODE_ID_PATTERN

ENV_PREFIX = "ACCORD_"
_MAX_SETTINGS_BYTES = 64 << 10
ORIGIN_PATTERN = r"^[!-*,-~]{1,255}$"
"""A checkpoint origin: printable ASCII without spaces or ``+`` (C2SP signed-note key names)."""
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class Settings(BaseSettings):
    """Settings of one Accord node (documented in docs/settings.md)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    node_name: str = Field(default="accord-node", description="This node's display name.")
    store_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the SQL store; default: SQLite accord.db in the workspace.",
    )
    duckdb_memory_limit: str = Field(
        default="2GB", description="Memory DuckDB may use before it spills work to disk."
    )
    duckdb_threads: int | None = Field(
        default=None, ge=1, le=1024, description="Threads DuckDB may use; default: one per core."
    )
    chunk_rows: int = Field(
        default=50_000, ge=100, le=10_000_000,
        description="Rows per chunk when a reader streams rows.",
    )  # fmt: skip
    spark_master: str = Field(
        default="local[*]",
        description="Spark master for `--engine spark` linkage; default: a local session.",
    )
    spark_driver_memory: str = Field(
        default="4g", description="Memory of the Spark driver for `--engine spark` linkage."
    )
    ingest_max_failure_rate: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Share of a field's values that may fail standardisation before an "
        "ingest is refused.",
    )
    quality_postcode_reference: Path | None = Field(
        default=None,
        description="A list of valid postcodes (CSV with a header, or Parquet; relative to "
        "the workspace) the default quality checklist judges accuracy against.",
    )
    quality_postcode_reference_column: str | None = Field(
        default=None, min_length=1,
        description="The reference list's column of postcodes; default: its first column.",
    )  # fmt: skip
    gateway_rules: Path | None = Field(
        default=None,
        description="Extra legal gateway rules (a YAML file, or a folder of them; relative "
        "to the workspace) the gateway finder adds to the shipped ones.",
    )
    log_origin: str | None = Field(
        default=None,
        pattern=ORIGIN_PATTERN,
        description="The audit log's checkpoint origin (and key name), set at init; "
        "unset in workspaces made before it existed, which keep accord/<node_name>/audit.",
    )

    node_id: str | None = Field(
        default=None,
        pattern=NODE_ID_PATTERN,
        description="This node's id on the wire and in the trust list: the organisation's "
        "code (ODS A81001, RX1; GSS E06000023); set at init with --node-id.",
    )
    trust_list_url: str | None = Field(
        default=None,
        max_length=2000,
        description="Where the federation's signed trust list is fetched: an http(s) URL "
        "or a file path.",
    )
    trust_list_key: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9+/]{43}=$",
        description="The federation authority's Ed25519 public key (base64 of its 32 raw "
        "bytes): the pinned key every trust list must verify with.",
    )
    trust_list_refresh: int = Field(
        default=300, ge=1, le=86_400,
        description="Seconds between a serving node's fetches of the trust list.",
    )  # fmt: skip
    trust_list_grace: int = Field(
        default=86_400, ge=0, le=30 * 86_400,
        description="Seconds a cached trust list stays usable after it was last fetched "
        "and verified, through an outage of the authority.",
    )  # fmt: skip
    clock_skew: int = Field(
        default=60, ge=1, le=3600,
        description="Seconds a signature's created time may be off this node's clock.",
    )  # fmt: skip
    max_body_bytes: int = Field(
        default=1 << 20, ge=1024, le=1 << 30,
        description="The largest request body the node's API reads (larger: 413).",
    )  # fmt: skip
    trusted_proxies: str = Field(
        default="", max_length=2000,
        description="The reverse proxies (addresses or networks, space-separated) whose "
        "X-Forwarded-For and X-Forwarded-Proto the node believes. Empty: none; a "
        "client's address is its connection's.",
    )  # fmt: skip

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for each in value.split():
            try:
                ip_network(each, strict=False)
            except ValueError:
                raise ValueError(
                    f"{each[:60]!r} is not an IP address or network (like 10.0.0.5 or 10.0.0.0/24)"
                ) from None
        return value

    portal_secure_cookies: bool = Field(
        default=True,
        description="The portal's cookies are Secure (sent over HTTPS only) and named "
        "__Host-; false is allowed only when the node listens on a loopback address.",
    )
    portal_session_idle: int = Field(
        default=1800, ge=60, le=86_400,
        description="Seconds a portal session may go unused before it ends.",
    )  # fmt: skip
    portal_session_absolute: int = Field(
        default=43_200, ge=300, le=7 * 86_400,
        description="Seconds after sign-in a portal session ends, however busy.",
    )  # fmt: skip
    portal_sign_in_attempts: int = Field(
        default=5, ge=1, le=1000,
        description="Failed sign-ins to one account (or one person) before it is locked "
        "for portal_sign_in_lockout seconds.",
    )  # fmt: skip
    portal_sign_in_address_attempts: int = Field(
        default=20, ge=1, le=100_000,
        description="Failed sign-ins from one client address before it is locked.",
    )  # fmt: skip
    portal_sign_in_lockout: int = Field(
        default=900, ge=10, le=86_400,
        description="Seconds a throttled account, person or address waits; failures "
        "are counted over the same period.",
    )  # fmt: skip
    portal_identity: Literal["none", "local", "oidc"] = Field(
        default="none",
        description="How citizens prove who they are: none (no citizen sign-in), local "
        "(development only: NHS number and date of birth found in the node's datasets), "
        "or oidc (GOV.UK One Login, NHS login).",
    )
    portal_oidc_issuer: str | None = Field(
        default=None, max_length=2000, description="The OpenID provider's issuer URL."
    )
    portal_oidc_client_id: str | None = Field(
        default=None, max_length=500, description="This node's client id at the provider."
    )
    portal_oidc_authorization_endpoint: str | None = Field(
        default=None, max_length=2000, description="The provider's authorization endpoint."
    )
    portal_oidc_token_endpoint: str | None = Field(
        default=None, max_length=2000, description="The provider's token endpoint."
    )
    portal_oidc_jwks: Path | None = Field(
        default=None,
        description="The provider's JWKS (a JSON file, relative to the workspace) its ID "
        "tokens are verified with.",
    )
    portal_oidc_client_key: Path | None = Field(
        default=None,
        description="The private key (PEM, relative to the workspace) this node signs its "
        "client assertion with (private_key_jwt).",
    )
    portal_oidc_redirect_uri: str | None = Field(
        default=None, max_length=2000,
        description="The callback URL registered with the provider "
        "(https://<node>/citizen/callback).",
    )  # fmt: skip
    portal_oidc_scopes: str = Field(
        default="openid", max_length=500,
        description="The scopes asked for, space-separated (NHS login: openid profile).",
    )  # fmt: skip
    portal_oidc_nhs_number_claim: str = Field(
        default="nhs_number", max_length=100,
        description="The ID token claim holding the NHS number.",
    )  # fmt: skip
    portal_oidc_birthdate_claim: str = Field(
        default="birthdate", max_length=100,
        description="The ID token claim holding the date of birth.",
    )  # fmt: skip
    portal_oidc_assurance_claim: str = Field(
        default="identity_proofing_level", max_length=100,
        description="The ID token claim holding the identity proofing level (NHS login: "
        "identity_proofing_level; GOV.UK One Login: vot).",
    )  # fmt: skip
    portal_oidc_assurance_levels: str = Field(
        default="P9", max_length=200,
        description="The proofing levels accepted, space-separated (NHS login: P9; GOV.UK "
        "One Login: P2); a token with another, or none, is refused. Empty: not checked.",
    )  # fmt: skip
    portal_assets: Path | None = Field(
        default=None,
        description="GOV.UK Frontend's dist/govuk folder the portal serves; default: "
        "node_modules/govuk-frontend/dist/govuk of the Accord checkout.",
    )

    def __init__(self, **values: Any) -> None:
        """The settings from the environment (and ``values``); :class:`InvalidSettings`
        naming the variable when one is bad."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _Invalid(exc) from None

    @classmethod
    def for_workspace(cls, root: Path) -> Settings:
        """Settings of the workspace at ``root``: environment, then ``accord.toml``."""
        path = root / WORKSPACE_FILE
        try:
            from_file = tomllib.loads(read_text(path, "the settings file", _MAX_SETTINGS_BYTES))
        except UnreadableDocument as exc:
            raise InvalidSettings(str(exc)) from None
        except tomllib.TOMLDecodeError as exc:
            raise InvalidSettings(f"{path}: not valid TOML: {exc} (docs/settings.md)") from None
        from_env = cls().model_dump(exclude_unset=True)
        try:
            # pydantic runs __init__ above, which raises _Invalid with pydantic's errors.
            return cls.model_validate({**from_file, **from_env})
        except _Invalid as exc:
            in_file = set(from_file) - set(from_env)
            raise InvalidSettings(_explain(exc.validation, in_file, path)) from None


class _Invalid(InvalidSettings):
    """Settings pydantic refused, before it is known which came from a file."""

    def __init__(self, validation: ValidationError) -> None:
        super().__init__(_explain(validation, set(), ""))
        self.validation = validation


def _explain(exc: ValidationError, in_file: set[str], path: Path | str) -> str:
    """One line per bad setting, naming the file and key or the environment variable."""
    lines = []
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "(settings)"
        where = (f"{path}: {name}" if name in in_file
                 else f"environment variable {ENV_PREFIX}{name.upper()}")  # fmt: skip
        if error["type"] == "extra_forbidden":
            lines.append(f"{where}: not a setting (see docs/settings.md)")
            continue
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message} (got {excerpt(error.get('input'))})")
    return "\n".join(lines)


def check_log_origin(origin: str) -> str:
    """``origin`` if it can name a log in a signed note; else :class:`InvalidName`."""
    if not re.fullmatch(ORIGIN_PATTERN, origin):
        raise InvalidName(
            f"log origin {origin[:80]!r}: 1-255 printable ASCII characters without spaces "
            "or '+', e.g. accord.example.nhs.uk/gp-leeds/audit"
        )
    return origin


def new_log_origin(node_name: str, federation: str | None = None) -> str:
    """A globally unique, URL-like origin for a new node's audit log (C2SP advises a
    schema-less URL): ``<federation domain>/<node>/audit``, where the federation's domain
    and the node's name (its organisation id) are unique together; without a federation,
    a random part under the reserved ``.invalid`` domain keeps it unique all the same.
    """
    node = re.sub(r"[^a-z0-9._-]+", "-", node_name.strip().lower()).strip("-") or "node"
    if federation is None:
        return f"accord.invalid/{node}/{secrets.token_hex(8)}/audit"
    domain = federation.strip().lower().rstrip(".")
    if not _DOMAIN.match(domain):
        raise InvalidName(
            f"federation {federation[:80]!r} is not a domain name (lower-case labels "
            "separated by dots, e.g. accord.example.nhs.uk)"
        )
    return f"{domain}/{node}/audit"
