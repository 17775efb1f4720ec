"""``accord share ...``: this node calling its peers over the signed API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord.cli.common import (
    JsonOption,
    WorkspaceOption,
    emit_json,
    handle_errors,
    out,
    workspace_at,
)
from accord.exchange import Client

share = typer.Typer(
    name="share", help="Ask other nodes for data, over the signed API.", no_args_is_help=True
)


@share.command("catalogue")
@handle_errors
def catalogue(
    peer: Annotated[str, typer.Argument(help="The peer's node id (e.g. RX1).")],
    workspace: WorkspaceOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """The datasets PEER offers this node under your active agreements."""
    with workspace_at(workspace) as ws, Client(ws) as client:
        found = client.catalogue(peer)
    if json_output:
        emit_json(found.model_dump(mode="json"))
        return
    out.print(
        f"{found.node_id} ({found.org}) offers {found.caller} {len(found.datasets)} dataset(s)",
        highlight=False,
    )
    table = Table(show_edge=False, pad_edge=False)
    for heading in ("dataset", "agreement", "kitemark", "needs", "fields"):
        table.add_column(heading)
    for offer in found.datasets:
        table.add_row(
            offer.dataset,
            f"{offer.agreement} v{offer.version}",
            offer.kitemark,
            offer.minimum_kitemark,
            ", ".join(f.name for f in offer.fields),
        )
    out.print(table)
