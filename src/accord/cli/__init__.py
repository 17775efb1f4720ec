"""The ``accord`` command line (Typer + Rich), a thin layer over the contexts' public faces.

One module per command group (``workspace``, ``ingest``, ``datasets``, ``generate``);
shared options, output and error handling in ``common``; assembled in ``app``.
"""

from accord.cli.app import app


def main() -> None:
    """Entry point of the ``accord`` script."""
    app()


__all__ = ["app", "main"]
