"""``python -m accord.agreements.gateways.publish``: the docs the shipped rules make.

Writes ``docs/gateways.schema.json`` (the rules file's JSON Schema) and the generated
tables of ``docs/gateways.md`` (between its markers: the purposes, kinds of party,
rules and statutory gateways shipped); a test fails when either is stale, so the docs
cannot drift from the rules.
"""

from __future__ import annotations

import json
from pathlib import Path

from accord.agreements.gateways.rules import GatewayRules, gateway_schema, load_gateway_rules

BEGIN = "<!-- BEGIN GENERATED RULES -->"
END = "<!-- END GENERATED RULES -->"


def render_schema() -> str:
    return json.dumps(gateway_schema(), indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_tables(rules: GatewayRules | None = None) -> str:
    """Markdown tables of the shipped rules (or ``rules``)."""
    book = rules or load_gateway_rules()
    lines = ["### Purposes", "", "| purpose | name | what it covers |", "|---|---|---|"]
    lines += [f"| `{p.id}` | {p.name} | {_cell(p.description)} |" for p in book.purposes.values()]
    lines += ["", "### Kinds of party", "", "| kind | name | public body | groups |",
              "|---|---|---|---|"]  # fmt: skip
    for k in book.party_kinds.values():
        public = "yes" if k.public_body else "no"
        lines.append(f"| `{k.id}` | {k.name} | {public} | {_listed(k.groups)} |")
    lines += [
        "",
        "### Rules",
        "",
        "| rule | applies when | proposes | source |",
        "|---|---|---|---|",
    ]
    for rule in book.rules.values():
        when = rule.when.model_dump(exclude_defaults=True)
        said = "; ".join(f"{k}: {_listed(v)}" for k, v in when.items()) or "always"
        offers = [f"{k}: {_listed(v)}" for k, v in rule.propose.model_dump().items() if v]
        opt_out = rule.national_data_opt_out
        if opt_out is not None:
            offers.append(f"opt-out: {'applies' if opt_out.applies else 'does not apply'}")
        offers += ["warnings"] if rule.warnings else []
        lines.append(f"| `{rule.id}` | {said} | {'; '.join(offers)} | <{rule.source}> |")
    lines += ["", "### Statutory gateways", "", "| gateway | citation | covers | source |",
              "|---|---|---|---|"]  # fmt: skip
    for g in book.gateways.values():
        covers = ", ".join(f"`{c}`" for c in g.covers) or "any party"
        lines.append(f"| `{g.id}` | {_cell(g.citation)} | {covers} | <{g.source}> |")
    return "\n".join(lines) + "\n"


def _listed(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(f"`{v}`" for v in value)
    return f"`{str(value).lower()}`"


def splice(document: str) -> str:
    """``document`` with the text between the markers replaced by :func:`render_tables`."""
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{render_tables()}{END}{tail}"


def main() -> None:
    docs = Path("docs")
    (docs / "gateways.schema.json").write_text(render_schema(), encoding="utf-8")
    page = docs / "gateways.md"
    page.write_text(splice(page.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
