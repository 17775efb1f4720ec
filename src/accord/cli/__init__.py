"""The ``accord`` command line (Typer + Rich), a thin layer over the contexts' public faces.

One module per command group (``workspace``, ``ingest``, ``datasets``, ``generate`` …);
shared options, output and the error boundary in ``common``; assembled in ``app``.
"""

from accord.cli.app import app


def main() -> None:
    """Entry point of the ``accord`` script (and of ``python -m accord.cli``).

    The boundary inside the app turns every error into a message and an exit status;
    this only catches what happens outside any command (a broken pipe at exit).
    """
    app()


__all__ = ["app", "main"]
