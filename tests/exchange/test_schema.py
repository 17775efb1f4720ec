"""Schemathesis over the node's ``/openapi.json``, every request signed as a member's.

A real ``accord serve`` (the hospital, with an agreement offering the GP its admissions)
answers requests Schemathesis generates from the node's own OpenAPI document, valid and
invalid, each signed by the GP's node key (a member with every role, so that each route
is exercised past its role check). No answer may be a server error, every answer
(refusals included) must match the document (status, media type, headers and body
schema), and a request that breaks the document must be refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accord.agreements import node_key
from accord.exchange import MemberRole, fetch, sign_request
from tests.exchange.support import Server, Spec, federation, free_port, node, running
from tests.exchange.test_api import GP, HOSPITAL, _agree


@dataclass
class Signer(requests.auth.AuthBase):
    """Signs each request to the node's profile, as the GP."""

    key: Ed25519PrivateKey

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        sign_request(
            request,
            body.encode() if isinstance(body, str) else body,
            node_id=GP,
            key=self.key,
        )
        return request


@dataclass
class Api:
    server: Server
    session: requests.Session


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    root: Path = tmp_path_factory.mktemp("schema")
    fed = federation(root)
    port = free_port()
    # Every role, so that each route is exercised past its role check.
    gp = node(
        fed, Spec("gp", GP, "Riverside Medical Practice", tuple(MemberRole)), port=free_port()
    )
    hospital = node(fed, Spec("hospital", HOSPITAL, "Riverside Hospitals"), port=port)
    fed.publish()
    for ws in (gp, hospital):
        fetch(ws, str(fed.list_path))
    _agree(gp, hospital)
    session = requests.Session()
    session.auth = Signer(node_key(gp))
    with running(hospital.root, port) as server, session:
        yield Api(server, session)
    gp.close()
    hospital.close()


def _operations(api: Api) -> list[Any]:
    document = httpx.get(api.server.url + "/openapi.json").json()
    return [found.ok() for found in schemathesis.openapi.from_dict(document).get_all_operations()]


@pytest.mark.slow
def test_no_server_error_and_every_answer_matches_the_document(api: Api) -> None:
    operations = _operations(api)
    assert len(operations) >= 2  # the catalogue and one dataset's offers, at least

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def answers_to_the_document(case: Any) -> None:
            response = case.call(base_url=api.server.url, session=api.session)
            # A request can match the document and still be refused for what it means (an
            # agreement its sender did not sign, a proof of an entry the log does not
            # hold): Schemathesis's "schema-valid means accepted" heuristic does not hold
            # for a node whose refusals are the point. Every other check runs.
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

        answers_to_the_document()
