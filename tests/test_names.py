"""Every public function that takes a name a person types refuses a hostile one, in the
library (not only the CLI): the error names the field, and nothing is stored.

One workspace per store holds a dataset and an agreement; each public function is fed
hostile names (path tricks, newlines, 10,000 characters, look-alike letters, SQL text, and
whatever else Hypothesis finds outside the pattern), and afterwards every table's rows
and every file of the workspace are as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord import agreements, catalog, privacy, quality, sources
from accord.store import (
    NAME_PATTERN,
    InvalidName,
    Workspace,
    init_workspace,
    metadata,
)
from tests.agreements.support import example
from tests.sources.support import NAMES, mapping, write

HOSTILE = [
    "",
    "../../evil",
    "a/b",
    "a\\b",
    "a\nb",
    "name\x00",
    "a" * 10_000,
    "pаtients",  # a Cyrillic а
    "x'; DROP TABLE datasets; --",
    "Patients",
    ".hidden",
    "-x",
    " padded ",
    "tab\tname",
    "ﬁle",  # a ligature NFKC would fold
]
hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=150).filter(lambda t: re.fullmatch(NAME_PATTERN, t) is None),
)
ONCE = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
GOOD_NHS = "9434765919"


def _ingest(ws: Workspace, name: str, folder: Path) -> None:
    src = write(folder / "people.csv", "id,first,last\n1,Ann,Smith\n")
    sources.ingest(ws, str(src), mapping(folder, NAMES), name)


def _sign_as(ws: Workspace, name: str) -> None:
    agreements.sign_in_workspace(ws, example(), name)


def _register_check(name: str) -> None:
    class Hostile(quality.RowCheck):
        type: str = name
        dimension = quality.Dimension.VALIDITY

    quality.register_check(Hostile)


def _register_format(name: str) -> None:
    catalog.register_format(type("Hostile", (), {"name": name}))  # type: ignore[arg-type]


def _request(field: str) -> Callable[[str], object]:
    def make(name: str) -> object:
        asked: dict[str, Any] = {"requester": "hospital", "purpose": "care",
                                 "dataset": "patients", "fields": ("nhs_number",)}  # fmt: skip
        asked[field] = (name,) if field == "fields" else name
        return agreements.Request(**asked, kitemark=agreements.Kitemark.GOLD, on=date.today())

    return make


Call = Callable[[Workspace, str, Path], object]
CALLS: dict[str, tuple[str, Call]] = {
    "init_workspace": ("node name", lambda ws, n, tmp: init_workspace(tmp / "new", n)),
    "ingest": ("dataset name", lambda ws, n, tmp: _ingest(ws, n, tmp)),
    "get_snapshot": ("dataset name", lambda ws, n, tmp: sources.get_snapshot(ws.engine, n)),
    "snapshot_history": ("dataset name", lambda ws, n, tmp: _history(ws, n)),
    "quality.assess": ("dataset name", lambda ws, n, tmp: quality.assess(ws, n)),
    "quality.assessments": ("dataset name", lambda ws, n, tmp: quality.assessments(ws.engine, n)),
    "register_check": ("Hostile: check type", lambda ws, n, tmp: _register_check(n)),
    "catalog.describe": ("dataset name", lambda ws, n, tmp: catalog.describe(ws, n, _meta())),
    "catalog.entry": ("dataset name", lambda ws, n, tmp: catalog.entry(ws, n)),
    "catalog.export": ("dataset name", lambda ws, n, tmp: catalog.export(ws, n, "dcat")),
    "catalog.export format": ("export format", lambda ws, n, tmp: catalog.export(ws, "p", n)),
    "snapshot_ref": ("dataset name", lambda ws, n, tmp: catalog.snapshot_ref(ws, n)),
    "register_format": ("Hostile: export format name", lambda ws, n, tmp: _register_format(n)),
    "register_opt_out": ("opt-out scheme", lambda ws, n, tmp: privacy.register_opt_out(
        ws, n, GOOD_NHS, by_role="data steward", reason="on the person's behalf")),
    "withdraw_opt_out": ("opt-out scheme", lambda ws, n, tmp: privacy.withdraw_opt_out(
        ws, n, GOOD_NHS, by_role="data steward", reason="on the person's behalf")),
    "register_scheme": ("opt-out scheme name", lambda ws, n, tmp: privacy.register_scheme(
        n, lambda d: (True, ""))),
    "rotate_key": ("agreement id", lambda ws, n, tmp: privacy.rotate_key(ws.engine, n)),
    "current_key_version": ("agreement id", lambda ws, n, tmp: privacy.current_key_version(
        ws.engine, n)),
    "retire_key": ("agreement id", lambda ws, n, tmp: privacy.retire_key(ws.engine, n, 1)),
    "pseudonym": ("agreement id", lambda ws, n, tmp: privacy.pseudonym(b"k" * 32, n, 1, "x")),
    "Disclosure": ("disclosure agreement id", lambda ws, n, tmp: privacy.Disclosure(
        n, privacy.LawfulBasis.PUBLIC_TASK, "planning", privacy.Output.PSEUDONYMISED)),
    "agreements.get": ("agreement id", lambda ws, n, tmp: agreements.get(ws, n)),
    "agreements.history": ("agreement id", lambda ws, n, tmp: agreements.history(ws, n)),
    "agreements.activate": ("agreement id", lambda ws, n, tmp: agreements.activate(
        ws, n)),
    "agreements.suspend": ("agreement id", lambda ws, n, tmp: agreements.suspend(
        ws, n, "why")),
    "agreements.revoke": ("agreement id", lambda ws, n, tmp: agreements.revoke(
        ws, n, "why")),
    "amend_agreement": ("agreement id", lambda ws, n, tmp: agreements.amend_agreement(
        ws, n)),
    "sign_in_workspace": ("organisation id", lambda ws, n, tmp: _sign_as(ws, n)),
    "Request.requester": ("request requester", lambda ws, n, tmp: _request("requester")(n)),
    "Request.dataset": ("request dataset", lambda ws, n, tmp: _request("dataset")(n)),
    "Request.fields": ("request field", lambda ws, n, tmp: _request("fields")(n)),
}  # fmt: skip


def _history(ws: Workspace, name: str) -> object:
    with ws.engine.connect() as conn:
        return sources.snapshot_history(conn, name)


def _meta() -> catalog.DatasetMetadata:
    return catalog.DatasetMetadata.model_validate({
        "title": "t", "description": "d", "special_category": False,
        "owner": {"organisation": "o", "contact": {"name": "n", "email": "n@example.org"}},
        "collection_method": "c", "update_frequency": "monthly", "legal_basis": "b",
    })  # fmt: skip


def _stored(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    with ws.engine.connect() as conn:
        return {
            t.name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr)
            for t in metadata.sorted_tables
        }


def _files(root: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*"))


@pytest.fixture
def node(workspace: Workspace, tmp_path: Path) -> Workspace:
    folder = tmp_path / "inputs"
    folder.mkdir()
    _ingest(workspace, "p", folder)
    agreements.record(workspace, example())
    return workspace


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_hostile_name_is_refused_naming_the_field_and_nothing_is_stored(
    node: Workspace, tmp_path: Path, call: str
) -> None:
    what, function = CALLS[call]
    inputs = tmp_path / "hostile-inputs"
    inputs.mkdir()
    stored, files = _stored(node), _files(node.root)

    @ONCE
    @given(name=hostile)
    def refused(name: str) -> None:
        with pytest.raises(InvalidName) as caught:
            function(node, name, inputs)
        assert str(caught.value).startswith(f"{what} ")
        assert len(str(caught.value)) < 400

    refused()
    assert _stored(node) == stored
    assert _files(node.root) == files
    assert not (tmp_path / "new").exists()
