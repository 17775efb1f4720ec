"""An agreement checked against what is real on a node: its datasets and the privacy presets.

The model (``models``) checks an agreement on its own; these checks need the world it
will run in. :func:`preset_problems` needs only the code (a dataset's ``suppression``
must name one of :data:`accord.privacy.PRESETS`, since the provider applies it at
disclosure). :func:`dataset_problems` needs the node that provides the data: each
dataset it provides must exist here, and every field the agreement names must be a
column of the dataset's newest snapshot (the canonical column names ingest gives).
A node runs both when it signs or activates an agreement (:func:`refuse_misfits`) and
``accord agreement validate --workspace`` shows them; other nodes' datasets are for
those nodes to check.
"""

from __future__ import annotations

import difflib

from accord.agreements.errors import AgreementInvalid
from accord.agreements.models import Agreement, Dataset
from accord.privacy import PRESETS
from accord.sources import UnknownDataset, get_snapshot
from accord.store import Workspace, duckdb_connect

Problem = tuple[str, str]
"""Where (a field path such as ``datasets.1.fields.2.name``) and what is wrong."""


def preset_problems(agreement: Agreement) -> list[Problem]:
    """Suppression presets that :mod:`accord.privacy` does not know."""
    known = ", ".join(sorted(PRESETS))
    return [
        (f"datasets.{i}.suppression",
         f"{d.suppression!r} is not a suppression preset (known: {known})")
        for i, d in enumerate(agreement.datasets)
        if d.suppression is not None and d.suppression not in PRESETS
    ]  # fmt: skip


def suppression_presets() -> dict[str, str]:
    """The small-number suppression presets a dataset's ``suppression`` may name, each
    with what it does."""
    return {name: PRESETS[name].description for name in sorted(PRESETS)}


def dataset_columns(ws: Workspace, name: str) -> list[str] | None:
    """The columns an agreement may name of dataset ``name`` on this node (its newest
    snapshot's, less the raw and issue columns beside each standard one), or None when
    the node holds no such dataset."""
    try:
        snap = get_snapshot(ws.engine, name)
    except UnknownDataset:
        return None
    return [c for c in snapshot_columns(ws, snap.path) if not c.endswith(("_raw", "_issue"))]


def dataset_problems(ws: Workspace, agreement: Agreement, provider: str) -> list[Problem]:
    """What does not fit in the datasets ``provider`` (this node's organisation) provides."""
    problems: list[Problem] = []
    for i, d in enumerate(agreement.datasets):
        if d.provider == provider:
            problems += _dataset_problems(ws, f"datasets.{i}", d)
    return problems


def _dataset_problems(ws: Workspace, where: str, dataset: Dataset) -> list[Problem]:
    try:
        snap = get_snapshot(ws.engine, dataset.name)
    except UnknownDataset:
        return [(f"{where}.name", f"{dataset.provider} provides {dataset.name!r}, but this "
                 "node holds no such dataset; ingest it before signing or activating "
                 "(see 'accord datasets')")]  # fmt: skip
    columns = snapshot_columns(ws, snap.path)
    label = f"{dataset.name} v{snap.version}"
    return [
        (f"{where}.fields.{j}.name",
         f"{f.name!r} is not a column of {label}{_near(f.name, columns)}")
        for j, f in enumerate(dataset.fields)
        if f.name not in columns
    ]  # fmt: skip


def snapshot_columns(ws: Workspace, path: str) -> list[str]:
    """The column names of the snapshot file at ``path`` (relative to the workspace)."""
    conn = duckdb_connect(ws)
    try:
        return list(conn.read_parquet(str(ws.root / path)).columns)
    finally:
        conn.close()


def _near(name: str, columns: list[str]) -> str:
    close = difflib.get_close_matches(name, columns, n=3)
    if close:
        return f" (closest: {', '.join(close)})"
    # The raw and issue columns beside each standard one are noise in a list to choose from.
    shown = [c for c in columns if not c.endswith(("_raw", "_issue"))]
    return f" (its columns: {', '.join(shown)})"


def refuse_misfits(ws: Workspace, agreement: Agreement, provider: str, act: str) -> None:
    """:class:`AgreementInvalid` listing every misfit, before ``act`` (sign, activate)."""
    problems = preset_problems(agreement) + dataset_problems(ws, agreement, provider)
    if problems:
        raise AgreementInvalid(problems, f"cannot {act} {agreement.id} v{agreement.version}")
