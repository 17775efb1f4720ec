"""The command reference in ``docs/cli.md``, generated from the commands themselves.

``python -m accord.cli.reference`` rewrites the generated part of the file; a test
fails when the file differs from what this module renders, so the reference cannot
drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from accord.cli.app import app

BEGIN = "<!-- BEGIN GENERATED REFERENCE -->"
END = "<!-- END GENERATED REFERENCE -->"


def _param(param: Any) -> str:
    help_text = (param.help or "").replace("|", "\\|")
    if param.param_type_name == "argument":
        return f"| `{param.name.upper()}` | argument | {help_text} |"
    names = ", ".join(f"`{o}`" for o in param.opts)
    default = "" if param.default in (None, False) or param.required else f"`{param.default}`"
    kind = "required" if param.required else (default or "")
    return f"| {names} | {kind} | {help_text} |"


def _commands(commands: dict[str, Any], prefix: str) -> list[tuple[str, Any]]:
    """Every command, a group's sub-commands in place of the group."""
    found = []
    for name, command in commands.items():
        sub = getattr(command, "commands", None)
        if sub:
            found += _commands(sub, f"{prefix} {name}")
        else:
            found.append((f"{prefix} {name}", command))
    return found


def render() -> str:
    """Markdown for every command, in the order ``accord --help`` lists them."""
    root: Any = typer.main.get_command(app)
    lines: list[str] = []
    for name, command in _commands(root.commands, "accord"):
        lines += [f"### `{name}`", "", (command.help or "").strip(), ""]
        params = [p for p in command.params if p.name != "help"]
        if params:
            lines += ["| parameter | default | meaning |", "|---|---|---|"]
            lines += [_param(p) for p in params]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def splice(document: str) -> str:
    """``document`` with the text between the markers replaced by :func:`render`."""
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{render()}{END}{tail}"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/cli.md")
    path.write_text(splice(path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
