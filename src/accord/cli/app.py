"""The ``accord`` command: one Typer app assembled from one module per command group.

The root group is :class:`accord.cli.common.Boundary`, so every command, whichever
module defines it, runs inside the one error boundary.
"""

from __future__ import annotations

import typer

from accord import __version__
from accord.cli.agreement_exchange import agreement
from accord.cli.audit import audit_app
from accord.cli.catalog import catalog
from accord.cli.common import Boundary
from accord.cli.datasets import datasets, export, quarantine
from accord.cli.doctor import doctor
from accord.cli.federation import federation
from accord.cli.generate import evaluate, generate
from accord.cli.ingest import ingest
from accord.cli.link import dedupe, link
from accord.cli.peer import peer
from accord.cli.privacy import optout, protect_table
from accord.cli.quality import quality
from accord.cli.serve import serve
from accord.cli.share import share
from accord.cli.usage import usage_app
from accord.cli.user import user
from accord.cli.workspace import init


def _version(value: bool) -> None:
    if value:
        typer.echo(f"accord {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="accord",
    cls=Boundary,
    help="Accord: share personal data between public services lawfully, minimally, "
    "verifiably and transparently.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Accord node command line."""


for command in (
    init,
    doctor,
    ingest,
    datasets,
    quarantine,
    export,
    quality,
    generate,
    link,
    dedupe,
    evaluate,
    serve,
):
    app.command()(command)
app.command("protect")(protect_table)
app.add_typer(optout, name="optout")
app.add_typer(audit_app, name="audit")
app.add_typer(agreement)
app.add_typer(peer, name="peer")
app.add_typer(catalog, name="catalog")
app.add_typer(federation, name="federation")
app.add_typer(share, name="share")
app.add_typer(usage_app, name="usage")
app.add_typer(user, name="user")
