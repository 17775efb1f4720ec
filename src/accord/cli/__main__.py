"""``python -m accord.cli``: the ``accord`` command, for a checkout without the script."""

from accord.cli import main

main()
