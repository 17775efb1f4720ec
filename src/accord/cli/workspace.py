"""``accord init``: create a node workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from accord.cli.common import JsonOption, emit_json, handle_errors, out
from accord.store import (
    InvalidName,
    check_name,
    check_node_id,
    init_workspace,
    is_name,
    mask_url,
    new_log_origin,
)


@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Where to create the workspace.")],
    node_name: Annotated[
        str | None, typer.Option(help="This node's name (default: the directory name).")
    ] = None,
    store_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL of the SQL store (default: SQLite in the workspace)."),
    ] = None,
    federation: Annotated[
        str | None,
        typer.Option(
            help="The federation's domain, e.g. accord.example.nhs.uk: the audit log's origin "
            "becomes DOMAIN/NODE-NAME/audit (default: a unique accord.invalid/... origin)."
        ),
    ] = None,
    node_id: Annotated[
        str | None,
        typer.Option(
            "--node-id",
            help="The organisation's code the exchange names this node by: an ODS code "
            "(A81001, RX1) or a GSS code (E06000023). Without it the node works alone "
            "but cannot serve or call peers (docs/exchange.md).",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Create a node workspace: settings, SQL store, data directories and node keys.

    DIRECTORY must be new or empty; a failed init leaves nothing behind."""
    name = node_name if node_name is not None else directory.resolve().name
    if node_name is None and not is_name(name):
        raise InvalidName(
            f"the folder's name {name[:40]!r} is not a valid node name; pass --node-name "
            "(lower-case letters a-z, digits, '.', '_' or '-')"
        )
    origin = new_log_origin(check_name(name, "--node-name"), federation)
    if node_id is not None:
        check_node_id(node_id, "--node-id")
    ws = init_workspace(directory, name, store_url, log_origin=origin, node_id=node_id)
    if json_output:
        emit_json({"workspace": str(ws.root), "node_name": ws.settings.node_name,
                   "store": mask_url(ws.store_url), "log_origin": origin,
                   "node_id": ws.settings.node_id})  # fmt: skip
        return
    out.print(Text.assemble("Created workspace ", (str(ws.root), "bold"), " for node ",
                            (ws.settings.node_name, "bold")))  # fmt: skip
    out.print(f"  store: {mask_url(ws.store_url)}")
    out.print(f"  audit log origin: {origin}", markup=False)
    if ws.settings.node_id:
        out.print(f"  node id: {ws.settings.node_id}", markup=False)
    out.print(f"  node key: {ws.root / 'keys' / 'node.key'} (owner-only, mode 600)")
