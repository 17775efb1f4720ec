"""``accord agreement gateways|gateway-rules``: the legal gateway finder (guidance, not
legal advice), joining the ``agreement`` command group.

``gateways`` turns the options into the finder's answers, asks the agreements face and
prints what fits (or the draft's fields with ``--prefill``); ``gateway-rules`` shows, and
so checks, the rules in force: the shipped ones, a node's (setting ``gateway_rules``) and
any files given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from accord.agreements import (
    GATEWAY_NOTICE,
    GatewayAnswers,
    GatewayParty,
    GatewayProposal,
    GatewayRules,
    find_gateways,
    load_gateway_rules,
    prefill,
)
from accord.cli.agreement_views import agreement
from accord.cli.common import JsonOption, emit_json, handle_errors, out, workspace_at

__all__ = ["agreement"]

RulesOption = Annotated[
    list[Path] | None,
    typer.Option("--rules", help="Extra gateway rules: a YAML file, or a folder of them "
                 "(repeatable), added to the shipped ones and the workspace's."),
]  # fmt: skip
RulesWorkspace = Annotated[
    Path | None,
    typer.Option(
        "--workspace", "-w", envvar="ACCORD_WORKSPACE", file_okay=False,
        help="A node workspace whose own gateway rules (setting gateway_rules) to add.",
    ),
]  # fmt: skip
PUBLIC = {"public": True, "not-public": False}


@agreement.command("gateways")
@handle_errors
def gateways_command(
    purpose: Annotated[
        list[str],
        typer.Option(
            "--purpose",
            "-p",
            help="A purpose of the sharing (repeatable); "
            "'accord agreement gateway-rules' lists them.",
        ),
    ],
    party: Annotated[
        list[str],
        typer.Option(
            "--party",
            help="Each party's kind, once per party (at least two); "
            "KIND:public or KIND:not-public says whether it is a public body.",
        ),
    ],
    special_category: Annotated[
        bool, typer.Option("--special-category", help="Health, ethnicity or other Art 9 data.")
    ] = False,
    criminal_offence: Annotated[
        bool, typer.Option("--criminal-offence", help="Offences, allegations or convictions.")
    ] = False,
    leaves_public_sector: Annotated[
        bool,
        typer.Option(
            "--leaves-public-sector", help="A party outside the public sector receives the data."
        ),
    ] = False,
    prefill_fields: Annotated[
        bool, typer.Option("--prefill", help="Print the agreement draft's fields as YAML.")
    ] = False,
    rules_files: RulesOption = None,
    workspace: RulesWorkspace = None,
    json_output: JsonOption = False,
) -> None:
    """Find the lawful bases and statutory gateways that may fit a sharing, with the
    conditions each brings and its source. Guidance, not legal advice."""
    rules = _rules(rules_files, workspace)
    answers = _answers(rules, purpose, party)
    answers = answers.model_copy(update={"special_category": special_category,
                                         "criminal_offence": criminal_offence,
                                         "leaves_public_sector": leaves_public_sector})  # fmt: skip
    proposal = find_gateways(answers, rules)
    if json_output:
        emit_json({**proposal.model_dump(mode="json"), "prefill": prefill(proposal)})
    elif prefill_fields:
        out.print(f"# {GATEWAY_NOTICE}", highlight=False)
        out.print(yaml.safe_dump(prefill(proposal), sort_keys=False, allow_unicode=True,
                                 width=100), end="", highlight=False)  # fmt: skip
    else:
        _render(proposal)


def _rules(files: list[Path] | None, workspace: Path | None) -> GatewayRules:
    if workspace is None:
        return load_gateway_rules(files or [])
    with workspace_at(workspace) as ws:
        return load_gateway_rules(files or [], workspace=ws)


def _answers(rules: GatewayRules, purposes: list[str], parties: list[str]) -> GatewayAnswers:
    """The answers the options give, each name checked against the rules in force."""
    for purpose in purposes:
        _known(purpose, list(rules.purposes), "--purpose")
    found = []
    for given in parties:
        kind, sep, public = given.partition(":")
        if sep and public not in PUBLIC:
            raise typer.BadParameter(f"{given!r}: write KIND, KIND:public or KIND:not-public",
                                     param_hint="--party")  # fmt: skip
        _known(kind, list(rules.party_kinds), "--party")
        found.append(GatewayParty(kind=kind, public_body=PUBLIC[public] if sep else None))
    if len(found) < 2:
        raise typer.BadParameter("give every party to the sharing, at least two",
                                 param_hint="--party")  # fmt: skip
    try:
        return GatewayAnswers(parties=found, purposes=purposes)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        option = "--purpose" if error["loc"][0] == "purposes" else "--party"
        raise typer.BadParameter(error["msg"], param_hint=option) from None


def _known(name: str, choices: list[str], option: str) -> None:
    if name not in choices:
        raise typer.BadParameter(f"{name!r} is not one the gateway rules know; choose from: "
                                 f"{', '.join(choices)}", param_hint=option)  # fmt: skip


def _render(proposal: GatewayProposal) -> None:
    out.print(Text(proposal.notice, style="italic"), highlight=False)
    sections: list[tuple[str, list[Any], str]] = [
        ("Lawful basis (UK GDPR Art 6)", proposal.article_6, "article_6"),
        ("Special category data (UK GDPR Art 9, DPA 2018 Schedule 1)", proposal.article_9,
         "article_9"),
        ("Criminal offence data (UK GDPR Art 10)", proposal.article_10, "article_10"),
        ("Statutory gateways", proposal.gateways, "gateway"),
    ]  # fmt: skip
    for title, items, kind in sections:
        if not items:
            continue
        out.print(Text(f"\n{title}", style="bold"), highlight=False)
        for item in items:
            out.print(Text.assemble("  ", (_headline(item, kind), "green")), highlight=False)
            for condition in item.conditions:
                out.print(f"    - {condition}", highlight=False)
            out.print(f"    source: {item.source}", highlight=False)
    opt_out = proposal.national_data_opt_out
    if opt_out is not None:
        applies = "applies" if opt_out.applies else "does not apply"
        out.print(Text.assemble(("\nNational data opt-out: ", "bold"), f"{applies}: "
                                f"{opt_out.explanation}"), highlight=False)  # fmt: skip
    if proposal.warnings:
        out.print(Text("\nWarnings", style="bold"), highlight=False)
        for warning in proposal.warnings:
            out.print(Text.assemble(("  ! ", "yellow"), warning), highlight=False)
    out.print(f"\nrules applied: {', '.join(proposal.rules) or 'none'}", highlight=False)


def _headline(item: Any, kind: str) -> str:
    if kind == "article_6":
        return f"{item.article_6.value}: {item.citation}"
    if kind == "article_9":
        return f"{item.article_9.value}: {item.citation}"
    if kind == "article_10":
        return str(item.citation)
    return f"{item.citation}: {item.description}"


@agreement.command("gateway-rules")
@handle_errors
def gateway_rules_command(
    rules_files: RulesOption = None,
    workspace: RulesWorkspace = None,
    json_output: JsonOption = False,
) -> None:
    """Show the gateway rules in force: the purposes and kinds of party the finder asks
    about, and each rule with what it proposes and its source. Checks extra rule files
    (--rules, the workspace's setting gateway_rules) on the way: every problem names the
    file, the entry and the field."""
    rules = _rules(rules_files, workspace)
    if json_output:
        emit_json(_rules_document(rules))
        return
    out.print(f"files: {', '.join(rules.files)}", highlight=False)
    purposes = Table("purpose", "name", title="Purposes (--purpose)", title_justify="left")
    for p in rules.purposes.values():
        purposes.add_row(p.id, p.name)
    kinds = Table("kind", "name", "public body", "groups", title="Kinds of party (--party)",
                  title_justify="left")  # fmt: skip
    for k in rules.party_kinds.values():
        kinds.add_row(k.id, k.name, "yes" if k.public_body else "no", ", ".join(k.groups))
    table = Table("rule", "when", "proposes", "source", title="Rules", title_justify="left")
    for rule in rules.rules.values():
        table.add_row(rule.id, _when(rule.when.model_dump(exclude_defaults=True)),
                      _proposes(rule.propose.model_dump()), rule.source)  # fmt: skip
    for shown in (purposes, kinds, table):
        out.print(shown)


def _when(when: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}"
                     for k, v in when.items()) or "always"  # fmt: skip


def _proposes(proposed: dict[str, list[str]]) -> str:
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in proposed.items() if v) or "(warnings)"


def _rules_document(rules: GatewayRules) -> dict[str, Any]:
    def dump(entries: Any) -> list[Any]:
        return [e.model_dump(mode="json", exclude={"replaces"}) for e in entries.values()]

    return {
        "files": list(rules.files),
        "notice": GATEWAY_NOTICE,
        **{section: dump(getattr(rules, section)) for section in (
            "purposes", "party_kinds", "article_6", "article_9", "article_10", "gateways",
            "rules")},
    }  # fmt: skip
