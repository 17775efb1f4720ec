"""The finder: answers in, the lawful bases and gateways that fit out, and a draft's fields.

:func:`find_gateways` checks the answers against the rules' vocabulary, keeps the rules
whose ``when`` holds (in the rules' order), and gathers what they propose, each item once
with the rules that proposed it: Art 9 conditions only when special category data is
shared, Art 10 only for criminal offence data. Its warnings come from the rules that
applied, from each gateway's coverage (a party it does not cover, data leaving the
public sector) and from gaps in the answer (nothing proposed where something is needed).
:func:`prefill` turns the best of each into the fields of an agreement draft, built with
the agreement's own models so they validate as the agreement would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from accord.agreements.errors import UnknownAnswer
from accord.agreements.gateways.models import (
    GatewayAnswers,
    GatewayParty,
    GatewayProposal,
    ProposedBasis,
    ProposedCondition,
    ProposedCriminalCondition,
    ProposedGateway,
    ProposedPurpose,
    Rule,
    When,
)
from accord.agreements.gateways.rules import GatewayRules
from accord.agreements.lawful import CriminalOffence, LawfulBasis
from accord.agreements.models import Gateway, NationalDataOptOut, Purpose
from accord.agreements.types import PurposeCode

NOTICE = (
    "This is guidance, not legal advice: it suggests lawful bases and gateways that may "
    "fit your answers, with the conditions each brings. Check them, and how they apply to "
    "your sharing, with your data protection officer or legal adviser before you share, "
    "and record your decision."
)

T = TypeVar("T")


@dataclass(frozen=True)
class _Party:
    label: str
    names: frozenset[str]
    public: bool


def check_answers(answers: GatewayAnswers, rules: GatewayRules) -> None:
    """:class:`UnknownAnswer` for a purpose or kind of party the rules do not define."""
    for purpose in answers.purposes:
        if purpose not in rules.purposes:
            raise UnknownAnswer("purpose", purpose, list(rules.purposes))
    for party in answers.parties:
        if party.kind not in rules.party_kinds:
            raise UnknownAnswer("kind of party", party.kind, list(rules.party_kinds))


def find_gateways(answers: GatewayAnswers, rules: GatewayRules) -> GatewayProposal:
    """The lawful bases, conditions and gateways the rules propose for ``answers``."""
    check_answers(answers, rules)
    parties = [_party(i, p, rules) for i, p in enumerate(answers.parties, 1)]
    applied = [r for r in rules.rules.values() if _holds(r.when, answers, parties)]
    gateways = _gather(applied, "gateways", rules.gateways, _gateway)
    article_9 = _gather(applied, "article_9", rules.article_9, _condition)
    article_10 = _gather(applied, "article_10", rules.article_10, _criminal)
    proposal = GatewayProposal(
        answers=answers,
        purposes=[
            ProposedPurpose(
                id=p, name=rules.purposes[p].name, description=rules.purposes[p].description
            )
            for p in answers.purposes
        ],
        article_6=_gather(applied, "article_6", rules.article_6, _basis),
        article_9=article_9 if answers.special_category else [],
        article_10=article_10 if answers.criminal_offence else [],
        gateways=gateways,
        national_data_opt_out=_opt_out(applied),
        warnings=[],
        rules=[r.id for r in applied],
        notice=NOTICE,
    )
    warnings = [w for r in applied for w in r.warnings]
    warnings += _coverage(proposal, rules, parties) + _gaps(proposal, parties)
    return proposal.model_copy(update={"warnings": list(dict.fromkeys(warnings))})


def _party(number: int, answer: GatewayParty, rules: GatewayRules) -> _Party:
    kind = rules.party_kinds[answer.kind]
    label = f"{answer.name} ({kind.name})" if answer.name else f"party {number} ({kind.name})"
    public = kind.public_body if answer.public_body is None else answer.public_body
    return _Party(label, frozenset({kind.id, *kind.groups}), public)


def _holds(when: When, answers: GatewayAnswers, parties: list[_Party]) -> bool:
    def matches(expected: bool | None, actual: bool) -> bool:
        return expected is None or expected == actual

    return (
        (not when.purposes or bool(set(when.purposes) & set(answers.purposes)))
        and matches(when.special_category, answers.special_category)
        and matches(when.criminal_offence, answers.criminal_offence)
        and matches(when.leaves_public_sector, answers.leaves_public_sector)
        and (not when.every_party or all(p.names & set(when.every_party) for p in parties))
        and (not when.some_party or any(p.names & set(when.some_party) for p in parties))
        and matches(when.every_party_public, all(p.public for p in parties))
    )


def _gather(applied: list[Rule], section: str, entries: Any,
            make: Callable[[Any, list[str]], T]) -> list[T]:  # fmt: skip
    """Each entry the rules propose, once, in the order first proposed."""
    by: dict[str, list[str]] = {}
    for rule in applied:
        for entry_id in getattr(rule.propose, section):
            by.setdefault(entry_id, []).append(rule.id)
    return [make(entries[entry_id], rule_ids) for entry_id, rule_ids in by.items()]


def _common(entry: Any, rules: list[str]) -> dict[str, Any]:
    return {"id": entry.id, "citation": entry.citation, "conditions": list(entry.conditions),
            "source": entry.source, "guidance": list(entry.guidance), "rules": rules}  # fmt: skip


def _basis(entry: Any, rules: list[str]) -> ProposedBasis:
    return ProposedBasis(**_common(entry, rules), article_6=entry.article_6)


def _condition(entry: Any, rules: list[str]) -> ProposedCondition:
    return ProposedCondition(**_common(entry, rules), article_9=entry.article_9,
                             schedule_1=entry.schedule_1)  # fmt: skip


def _criminal(entry: Any, rules: list[str]) -> ProposedCriminalCondition:
    return ProposedCriminalCondition(**_common(entry, rules), schedule_1=entry.schedule_1,
                                     official_authority=entry.official_authority)  # fmt: skip


def _gateway(entry: Any, rules: list[str]) -> ProposedGateway:
    return ProposedGateway(**_common(entry, rules), act=entry.act, part=entry.part,
                           chapter=entry.chapter, section=entry.section,
                           description=entry.description)  # fmt: skip


def _opt_out(applied: list[Rule]) -> NationalDataOptOut | None:
    """The first rule's view of the national data opt-out; where rules differ, the one
    that applies it wins (the cautious answer)."""
    views = [r.national_data_opt_out for r in applied if r.national_data_opt_out is not None]
    return next((v for v in views if v.applies), views[0] if views else None)


def _coverage(proposal: GatewayProposal, rules: GatewayRules, parties: list[_Party]) -> list[str]:
    """For each gateway proposed: the parties it does not cover, and data leaving the
    public sector where it says it does not reach."""
    found = []
    for proposed in proposal.gateways:
        gateway = rules.gateways[proposed.id]
        name = f"{gateway.act} s{gateway.section}" if gateway.section[0].isdigit() else (
            f"{gateway.act} {gateway.section}")  # fmt: skip
        covered = set(gateway.covers)
        for party in parties:
            if covered and not party.names & covered:
                found.append(f"{name}: {party.label} is not covered: {gateway.covers_note}")
        if proposal.answers.leaves_public_sector and gateway.outside_public_sector:
            found.append(f"{name}: {gateway.outside_public_sector}")
    return found


def _gaps(proposal: GatewayProposal, parties: list[_Party]) -> list[str]:
    answers, found = proposal.answers, []
    outside = [p.label for p in parties if not p.public]
    if outside and not answers.leaves_public_sector:
        found.append(f"{_listed(outside)} not a public body: if it receives the data, the "
                     "data leaves the public sector; answer that question yes")  # fmt: skip
    if not proposal.article_6:
        found.append("no rule proposes a UK GDPR Art 6 basis for these answers: ask your "
                     "data protection officer")  # fmt: skip
    if not proposal.gateways:
        found.append("no statutory gateway fits these answers: a public body relying on Art "
                     "6(1)(c) or (e) needs a basis in law (DPA 2018 s8); ask your data "
                     "protection officer or legal adviser")  # fmt: skip
    if answers.special_category and not proposal.article_9:
        found.append("special category data needs a UK GDPR Art 9 condition, and no rule "
                     "proposes one for these answers")  # fmt: skip
    if answers.criminal_offence and not proposal.article_10:
        found.append("criminal offence data needs a UK GDPR Art 10 condition, and no rule "
                     "proposes one for these answers")  # fmt: skip
    return found


def _listed(labels: Iterable[str]) -> str:
    names = list(labels)
    return names[0] + " is" if len(names) == 1 else ", ".join(names) + " are"


def prefill(proposal: GatewayProposal) -> dict[str, Any]:
    """The fields of an agreement draft from the best of each proposal: ``purposes``,
    ``lawful_basis``, ``gateway`` and ``national_data_opt_out``, as plain data keyed as
    :class:`~accord.agreements.Agreement` names them (each built with the agreement's own
    model, so it validates as that field). A field with nothing proposed is left out."""
    fields: dict[str, Any] = {
        "purposes": [
            Purpose(code=PurposeCode(p.id), description=p.description).model_dump(mode="json")
            for p in proposal.purposes
        ],
        "lawful_basis": _lawful_basis(proposal).model_dump(mode="json", exclude_none=True),
    }
    if proposal.gateways:
        best = proposal.gateways[0]
        gateway = Gateway(act=best.act, part=best.part, chapter=best.chapter,
                          section=best.section, description=best.description)  # fmt: skip
        fields["gateway"] = gateway.model_dump(mode="json", exclude_none=True)
    if proposal.national_data_opt_out is not None:
        fields["national_data_opt_out"] = proposal.national_data_opt_out.model_dump(mode="json")
    return fields


def _lawful_basis(proposal: GatewayProposal) -> LawfulBasis:
    basis: dict[str, Any] = {"explanation": _explanation(proposal)}
    if proposal.article_6:
        basis["article_6"] = proposal.article_6[0].article_6
    if proposal.article_9:
        basis["article_9"] = proposal.article_9[0].article_9
        basis["schedule_1"] = proposal.article_9[0].schedule_1
    if proposal.article_10:
        best = proposal.article_10[0]
        basis["article_10"] = CriminalOffence(
            schedule_1=best.schedule_1, official_authority=best.official_authority
        )
    return LawfulBasis.model_validate(basis)


def _explanation(proposal: GatewayProposal) -> str:
    chosen = [
        items[0].citation
        for items in (
            proposal.article_6,
            proposal.article_9,
            proposal.article_10,
            proposal.gateways,
        )
        if items
    ]
    purposes = ", ".join(p.name.lower() for p in proposal.purposes)
    return (f"For {purposes}: {'; '.join(chosen) or 'nothing proposed'}. Proposed by the "
            f"gateway finder (rules {', '.join(proposal.rules) or 'none'}) as guidance, not "
            "legal advice: confirm it, and each condition it brings, with your data "
            "protection officer.")  # fmt: skip
