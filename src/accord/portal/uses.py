"""A person's uses as the portal shows them: one small view of a use, whichever node
recorded it, and the gathering of this node's uses into it.

The seam for other nodes (docs/portal.md, "How your data has been used"): a page renders a
list of :class:`UseView`, newest first, and never reads the log itself. :func:`local_uses`
gathers this node's page of them (``audit.uses`` and ``audit.use_count``, deferred entries
left out by the audit context); :func:`from_peer` turns what another node's log says of
the person (the exchange's ``PersonUses``, which has the same fields) into the same
views, tagged with that node, so a later issue can gather them and merge by time. Words
come from what this node knows: organisation names from its agreements' parties and the
federation's trust list, the kinds of data from the agreement's fields (their
description, else the field's name in words, with how it left), the law from the
recorded lawful basis and gateway (with the gateway's description in the agreement).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from math import ceil

from accord import agreements, audit, exchange
from accord.portal import text
from accord.store import Workspace

PAGE_SIZE = audit.PAGE_SIZE


@dataclass(frozen=True)
class UseView:
    """One use of a person's data, in the words the person reads, and where it is from."""

    node_id: str
    """The node whose audit log holds the use (this node, or later another)."""
    node_name: str
    """That node's organisation, in words."""
    entry: int
    """The use's entry in that node's log (an inclusion proof can be asked for)."""
    at: datetime
    kind: str
    """The audit event type (``records.disclosed``, ``person.viewed`` ...)."""
    what: str
    who: str
    data: tuple[str, ...] = ()
    """The kinds of data, in words (a share)."""
    source: str = ""
    """The records they came from, in words (a share: the provider's dataset)."""
    data_from_agreement: bool = False
    """``data`` is what the agreement allows: the use's entry did not list what left."""
    why: str = ""
    law: tuple[str, ...] = ()
    """The lawful basis and the statutory gateway, each with its citation."""
    agreement: str = ""
    deferred_until: date | None = None

    @property
    def when(self) -> str:
        return text.when(self.at)

    @property
    def deferred(self) -> str:
        return text.day(self.deferred_until) if self.deferred_until else ""


@dataclass(frozen=True)
class UsesPage:
    """One page of a person's uses, newest first, and where it sits among the pages."""

    uses: list[UseView]
    page: int
    pages: int
    total: int

    @property
    def first(self) -> int:
        """The number of the page's first use among them all (from 1)."""
        return (self.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return self.first + len(self.uses) - 1


def local_uses(ws: Workspace, person: audit.PersonKey, *, page: int = 1,
               today: date | None = None) -> UsesPage:  # fmt: skip
    """This node's ``page`` of ``person``'s uses (deferred ones hidden until their date)."""
    total = audit.use_count(ws, person, today=today)
    found = audit.uses(ws, person, page=page, page_size=PAGE_SIZE, today=today)
    return UsesPage(Words(ws).views(found), page, max(1, ceil(total / PAGE_SIZE)), total)


def from_peer(uses: exchange.PersonUses, node_name: str, words: Words) -> list[UseView]:
    """What another node's log says of the person, as views tagged with that node."""
    found = [
        audit.Use(
            entry=u.entry, at=u.at, what=u.what, kind=u.kind, organisation=u.organisation,
            role=u.role, dataset=u.dataset, purpose=u.purpose, legal_basis=u.legal_basis,
            gateway=u.gateway, agreement=u.agreement, fields=tuple(u.fields),
            deferred_until=date.fromisoformat(u.deferred_until) if u.deferred_until else None,
        )
        for u in uses.uses
    ]  # fmt: skip
    return words.views(found, node_id=uses.node_id, node_name=node_name)


# Standard fields (docs/standardisation.md) in words; any other field's name is spaced out.
FIELD_WORDS = {
    "record_id": "a reference to your record", "title": "title", "given_name": "first name",
    "middle_names": "middle names", "family_name": "last name", "date_of_birth": "date of birth",
    "sex": "sex", "nhs_number": "NHS number", "ni_number": "National Insurance number",
    "postcode": "postcode", "postcode_area": "postcode area", "postcode_outward": "postcode "
    "district", "postcode_district": "postcode district", "postcode_sector": "postcode sector",
    "address": "address", "phone": "phone number", "email": "email address",
    "linkage_id": "a reference that links your records",
}  # fmt: skip
TREATMENT_WORDS = {
    agreements.Treatment.PSEUDONYMISED: " (replaced by a code that does not reveal it)",
    agreements.Treatment.AGGREGATE: " (as a count, not about you alone)",
}


class Words:
    """What this node knows to put a use into words: its agreements and trust list,
    each read once for a page."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    @cached_property
    def held(self) -> dict[str, agreements.Agreement]:
        """This node's agreements (their current versions), by id."""
        return {s.agreement.id: s.agreement for s in agreements.list_agreements(self.ws)}

    @cached_property
    def organisations(self) -> dict[str, str]:
        """Organisation names by id: the federation's, then the agreements' legal names."""
        names = {}
        try:
            trusted = exchange.cached(self.ws)
        except exchange.ExchangeError:  # a list the store holds but that fails its check
            trusted = None
        if trusted is not None:
            names = {m.org: m.name for m in trusted.trust_list.members}
        for agreement in self.held.values():
            names.update({p.org: p.name for p in agreement.parties})
        return names

    def organisation(self, org: str) -> str:
        return self.organisations.get(org, org)

    @property
    def here(self) -> str:
        """This node's organisation, in words."""
        return self.organisation(self.ws.settings.node_name)

    def views(self, uses: Iterable[audit.Use], *, node_id: str | None = None,
              node_name: str | None = None) -> list[UseView]:  # fmt: skip
        node_id = node_id or self.ws.settings.node_id or self.ws.settings.node_name
        node_name = node_name or self.here
        return [self.view(u, node_id, node_name) for u in uses]

    def view(self, use: audit.Use, node_id: str, node_name: str) -> UseView:
        base = UseView(node_id=node_id, node_name=node_name, entry=use.entry, at=use.at,
                       kind=use.kind, what=use.what, who=node_name, why=use.purpose,
                       agreement=use.agreement, deferred_until=use.deferred_until)  # fmt: skip
        if use.kind == audit.RecordsDisclosed.name:
            return self._shared(base, use)
        if use.role == audit.BY_PERSON:
            return replace(base, who="You", why=_sentence(use.purpose))
        if use.role:
            acting = f"Staff at {node_name} ({use.role})"
            on_behalf = use.kind in (audit.OptOutRegistered.name, audit.OptOutWithdrawn.name)
            return replace(base, who=acting + (", on your behalf" if on_behalf else ""),
                            why=_sentence(use.purpose))  # fmt: skip
        return base

    def _shared(self, base: UseView, use: audit.Use) -> UseView:
        agreement = self.held.get(use.agreement)
        who = self.organisation(use.organisation)
        data, from_agreement = self._data(agreement, use)
        law = [_basis(use.legal_basis)] if use.legal_basis else []
        if use.gateway:
            described = agreement.gateway.description if agreement and agreement.gateway else ""
            law.append(f"{use.gateway}: {described}" if described else use.gateway)
        return replace(base, what=f"Your records were shared with {who}", who=who,
                       data=tuple(data), data_from_agreement=from_agreement,
                       source=_spaced(use.dataset), why=_sentence(use.purpose),
                       law=tuple(law))  # fmt: skip

    def _data(self, agreement: agreements.Agreement | None,
              use: audit.Use) -> tuple[list[str], bool]:  # fmt: skip
        terms = None
        if agreement is not None:
            terms = next((d for d in agreement.datasets if d.name == use.dataset), None)
        allowed = {f.name: f for f in terms.fields} if terms is not None else {}
        names: Sequence[str] = use.fields or list(allowed)
        words = []
        for name in names:
            spec = allowed.get(name)
            said = spec.description if spec is not None and spec.description else None
            said = said or FIELD_WORDS.get(name, _spaced(name))
            words.append(said + (TREATMENT_WORDS.get(spec.treatment, "") if spec else ""))
        return words, not use.fields and bool(words)


def _basis(text: str) -> str:
    """A lawful basis as recorded, with the law it cites named (``Art 6`` is UK GDPR's)."""
    return f"UK GDPR {text}" if text.startswith("Art ") else text


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:] if text else ""


def _spaced(name: str) -> str:
    return name.replace("_", " ").replace("-", " ")
