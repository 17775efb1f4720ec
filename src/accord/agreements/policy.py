"""The policy decision: may this request be answered, under which agreement, with what?

Deny by default. :class:`PolicyIndex` compiles agreements once into frozen look-up
records indexed by (party, dataset); :meth:`PolicyIndex.decide` then answers a
:class:`Request` in pure Python without touching the store. A request is permitted only
when one agreement passes every check: the requester is a party in a receiving role and
a recipient of the dataset, the agreement is active and in date, it names the purpose,
covers the dataset and every field, the dataset's kitemark is at or above the minimum and
no limit is exceeded. A denial carries every failed check of the agreement that came
closest, each as a stable code and a message. A permit carries the fields allowed, the
obligations (pseudonymise, aggregate only, suppress, opt-outs, row conditions, retention)
and the lawful basis the recipient's processing rests on (:class:`Basis`: the UK GDPR, or
DPA 2018 Part 3 for a competent authority's law enforcement purpose), which the exchange
turns into privacy's ``Disclosure``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from accord.agreements.conditions import RowCondition
from accord.agreements.lawful import Article6, Regime, Section35, regime_of
from accord.agreements.models import (
    RECEIVING_ROLES,
    Agreement,
    Kitemark,
    Role,
    Status,
    Treatment,
)
from accord.store import check_name


class Code(StrEnum):
    """Stable codes of a decision's reasons (docs/agreements.md lists them)."""

    PERMITTED = "permitted"
    UNKNOWN_AGREEMENT = "unknown_agreement"
    NOT_A_PARTY = "not_a_party"
    WRONG_ROLE = "wrong_role"
    NOT_ACTIVE = "not_active"
    NOT_IN_DATE = "not_in_date"
    PURPOSE_NOT_NAMED = "purpose_not_named"
    DATASET_NOT_COVERED = "dataset_not_covered"
    FIELD_NOT_COVERED = "field_not_covered"
    KITEMARK_BELOW_MINIMUM = "kitemark_below_minimum"
    LIMIT_EXCEEDED = "limit_exceeded"


class ObligationKind(StrEnum):
    """What the provider must do to the data before (and the recipient after) it leaves."""

    PSEUDONYMISE = "pseudonymise"
    AGGREGATE_ONLY = "aggregate_only"
    SUPPRESS_SMALL_NUMBERS = "suppress_small_numbers"
    APPLY_NATIONAL_DATA_OPT_OUT = "apply_national_data_opt_out"
    RESTRICT_ROWS = "restrict_rows"
    RETAIN = "retain"


@dataclass(frozen=True, slots=True)
class Usage:
    """What the requester has already used under the agreement in the current period."""

    requests: int = 0
    rows: int = 0


@dataclass(frozen=True, slots=True)
class Request:
    """A request for data: who, why, which dataset and fields, on which day.

    ``kitemark`` is the dataset's current kitemark (from the quality context);
    ``rows`` the rows this request would return; ``usage`` the caller's meter. Without
    ``agreement_id`` every agreement the requester is a party to is tried.
    """

    requester: str
    purpose: str
    dataset: str
    fields: tuple[str, ...]
    kitemark: Kitemark
    on: date
    rows: int = 0
    usage: Usage = Usage()
    agreement_id: str | None = None
    provider: str | None = None

    def __post_init__(self) -> None:
        # Names from a caller (a CLI option, a partner node's request) are checked here,
        # so a decision, and the log entry that records it, never holds a hostile one.
        for what in ("requester", "purpose", "dataset", "agreement_id", "provider"):
            value = getattr(self, what)
            if value is not None:
                check_name(value, f"request {what}")
        for name in self.fields:
            check_name(name, "request field")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why: a stable code and a message a person can act on."""

    code: Code
    message: str

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"


@dataclass(frozen=True, slots=True)
class Obligation:
    """A duty attached to a permit; ``value`` is the preset or the number of days;
    ``conditions`` the row conditions every disclosed row must meet (``restrict_rows``,
    whose ``fields`` are the fields they read)."""

    kind: ObligationKind
    fields: tuple[str, ...] = ()
    value: str | int | None = None
    conditions: tuple[RowCondition, ...] = ()


@dataclass(frozen=True, slots=True)
class Basis:
    """The lawful basis a permitted request's processing rests on.

    ``regime`` is the UK GDPR (``basis`` an Art 6(1) basis) or DPA 2018 Part 3 when a
    competent authority asks for a law enforcement purpose (``basis`` a s35(2) basis).
    """

    regime: Regime
    basis: Article6 | Section35


@dataclass(frozen=True, slots=True)
class Decision:
    """Permit or deny, why, which fields may go and what must be done to them."""

    permit: bool
    reasons: tuple[Reason, ...]
    fields: tuple[str, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    agreement_id: str | None = None
    version: int | None = None
    basis: Basis | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code.value for r in self.reasons)


@dataclass(frozen=True, slots=True)
class _Data:
    provider: str
    recipients: frozenset[str]
    fields: frozenset[str]
    pseudonymised: frozenset[str]
    aggregate: frozenset[str]
    minimum: Kitemark
    minimum_rank: int
    suppression: str | None
    conditions: tuple[RowCondition, ...]


@dataclass(frozen=True, slots=True, eq=False)
class _Compiled:
    id: str
    version: int
    status: Status
    start: date
    expiry: date
    roles: Mapping[str, Role]
    purposes: frozenset[str]
    datasets: Mapping[str, _Data]
    max_rows_per_request: int | None
    max_requests_per_period: int | None
    max_rows_per_period: int | None
    period: str
    standing: tuple[Obligation, ...]
    bases: Mapping[tuple[str, str], Basis]


def _compile(agreement: Agreement, status: Status) -> _Compiled:
    datasets = {}
    for d in agreement.datasets:
        datasets[str(d.name)] = _Data(
            provider=d.provider, recipients=frozenset(d.recipients),
            fields=frozenset(f.name for f in d.fields),
            pseudonymised=frozenset(f.name for f in d.fields
                                    if f.treatment is Treatment.PSEUDONYMISED),
            aggregate=frozenset(f.name for f in d.fields if f.treatment is Treatment.AGGREGATE),
            minimum=d.minimum_kitemark, minimum_rank=d.minimum_kitemark.rank,
            suppression=d.suppression, conditions=tuple(d.row_conditions),
        )  # fmt: skip
    standing = [Obligation(ObligationKind.RETAIN, value=agreement.retention.period_days)]
    if agreement.national_data_opt_out.applies:
        standing.insert(0, Obligation(ObligationKind.APPLY_NATIONAL_DATA_OPT_OUT))
    limits = agreement.limits
    return _Compiled(
        id=agreement.id, version=agreement.version, status=status,
        start=agreement.dates.start, expiry=agreement.dates.expiry,
        roles=MappingProxyType({p.org: p.role for p in agreement.parties}),
        purposes=frozenset(p.code for p in agreement.purposes),
        datasets=MappingProxyType(datasets),
        max_rows_per_request=limits.max_rows_per_request,
        max_requests_per_period=limits.max_requests_per_period,
        max_rows_per_period=limits.max_rows_per_period, period=limits.period.value,
        standing=tuple(standing), bases=MappingProxyType(_bases(agreement)),
    )  # fmt: skip


def _bases(agreement: Agreement) -> dict[tuple[str, str], Basis]:
    """The basis of each (party, purpose): Part 3 for a competent authority's law
    enforcement purpose, else the UK GDPR (validation makes sure each exists)."""
    found: dict[tuple[str, str], Basis] = {}
    basis = agreement.lawful_basis
    law = basis.law_enforcement
    for party in agreement.parties:
        for purpose in agreement.purposes:
            if regime_of(agreement, party.org, purpose.code) is Regime.LAW_ENFORCEMENT:
                assert law is not None
                found[party.org, purpose.code] = Basis(Regime.LAW_ENFORCEMENT, law.section_35)
            elif basis.article_6 is not None:
                found[party.org, purpose.code] = Basis(Regime.GENERAL, basis.article_6)
    return found


def _deny(code: Code, message: str) -> Decision:
    return Decision(False, (Reason(code, message),))


@dataclass
class PolicyIndex:
    """Agreements compiled for decisions; build once, decide many times."""

    _by_id: dict[str, _Compiled] = field(default_factory=dict)
    _by_party_dataset: dict[tuple[str, str], tuple[_Compiled, ...]] = field(default_factory=dict)
    _parties: frozenset[str] = frozenset()

    @classmethod
    def build(cls, entries: Iterable[tuple[Agreement, Status]]) -> PolicyIndex:
        """An index of the current version of each agreement: the active one, else the newest."""
        best: dict[str, tuple[Agreement, Status]] = {}
        for agreement, status in entries:
            held = best.get(agreement.id)
            if held is None or _preferred((agreement, status), held):
                best[agreement.id] = (agreement, status)
        index = cls()
        grouped: dict[tuple[str, str], list[_Compiled]] = {}
        for agreement, status in best.values():
            compiled = _compile(agreement, status)
            index._by_id[compiled.id] = compiled
            for org in compiled.roles:
                for dataset in compiled.datasets:
                    grouped.setdefault((org, dataset), []).append(compiled)
        # Active agreements first, so a permit is usually found by the first look.
        index._by_party_dataset = {
            k: tuple(sorted(v, key=lambda c: c.status is not Status.ACTIVE))
            for k, v in grouped.items()
        }
        index._parties = frozenset(org for c in index._by_id.values() for org in c.roles)
        return index

    def __len__(self) -> int:
        return len(self._by_id)

    def decide(self, request: Request) -> Decision:
        """Permit or deny ``request``; deny unless one agreement allows all of it."""
        if request.agreement_id is not None:
            compiled = self._by_id.get(request.agreement_id)
            if compiled is None:
                return _deny(Code.UNKNOWN_AGREEMENT,
                             f"no agreement {request.agreement_id!r} is known here")  # fmt: skip
            return _evaluate(compiled, request)
        candidates = self._by_party_dataset.get((request.requester, request.dataset))
        if not candidates:
            if request.requester in self._parties:
                return _deny(Code.DATASET_NOT_COVERED,
                             f"no agreement {request.requester!r} is a party to covers "
                             f"dataset {request.dataset!r}")  # fmt: skip
            return _deny(Code.NOT_A_PARTY,
                         f"{request.requester!r} is not a party to any agreement here")  # fmt: skip
        closest: Decision | None = None
        for compiled in candidates:
            decision = _evaluate(compiled, request)
            if decision.permit:
                return decision
            if closest is None or len(decision.reasons) < len(closest.reasons):
                closest = decision
        assert closest is not None
        return closest


def _preferred(new: tuple[Agreement, Status], held: tuple[Agreement, Status]) -> bool:
    new_active, held_active = new[1] is Status.ACTIVE, held[1] is Status.ACTIVE
    if new_active != held_active:
        return new_active
    return new[0].version > held[0].version


def _evaluate(c: _Compiled, r: Request) -> Decision:
    role = c.roles.get(r.requester)
    label = f"{c.id} v{c.version}"
    if role is None:
        return _deny(Code.NOT_A_PARTY, f"{r.requester!r} is not a party to {label}")
    reasons: list[Reason] = []
    data = c.datasets.get(r.dataset)
    if role not in RECEIVING_ROLES:
        reasons.append(Reason(Code.WRONG_ROLE, f"{r.requester!r} is a {role.value} in {label}; "
                              "a processor receives data only for its controller"))  # fmt: skip
    elif data is not None and r.requester not in data.recipients:
        reasons.append(Reason(Code.WRONG_ROLE, f"{r.requester!r} is not a recipient of "
                              f"{r.dataset!r} in {label}"))  # fmt: skip
    if c.status is not Status.ACTIVE:
        reasons.append(Reason(Code.NOT_ACTIVE, f"{label} is {c.status.value}"))
    if r.on < c.start:
        reasons.append(Reason(Code.NOT_IN_DATE, f"{label} starts on {c.start}"))
    elif r.on >= c.expiry:
        reasons.append(Reason(Code.NOT_IN_DATE, f"{label} expired on {c.expiry}"))
    if r.purpose not in c.purposes:
        reasons.append(Reason(Code.PURPOSE_NOT_NAMED,
                              f"{label} does not name purpose {r.purpose!r}"))  # fmt: skip
    if data is None:
        reasons.append(Reason(Code.DATASET_NOT_COVERED,
                              f"{label} does not cover dataset {r.dataset!r}"))  # fmt: skip
    else:
        _check_data(data, r, label, reasons)
    _check_limits(c, r, label, reasons)
    if reasons or data is None:
        return Decision(False, tuple(reasons), agreement_id=c.id, version=c.version)
    return _permit(c, data, r, label)


def _check_data(data: _Data, r: Request, label: str, out: list[Reason]) -> None:
    if r.provider is not None and r.provider != data.provider:
        out.append(Reason(Code.DATASET_NOT_COVERED, f"{label} covers {r.dataset!r} from "
                          f"{data.provider!r}, not from {r.provider!r}"))  # fmt: skip
    if not r.fields:
        out.append(Reason(Code.FIELD_NOT_COVERED, "the request names no fields"))
    else:
        missing = [f for f in r.fields if f not in data.fields]
        if missing:
            out.append(Reason(Code.FIELD_NOT_COVERED, f"{label} does not cover field(s) "
                              f"{', '.join(missing)} of {r.dataset!r}"))  # fmt: skip
    if r.kitemark.rank < data.minimum_rank:
        out.append(Reason(Code.KITEMARK_BELOW_MINIMUM,
                          f"{r.dataset!r} is rated {r.kitemark.value}; {label} needs "
                          f"{data.minimum.value} or better"))  # fmt: skip


def _check_limits(c: _Compiled, r: Request, label: str, out: list[Reason]) -> None:
    if c.max_rows_per_request is not None and r.rows > c.max_rows_per_request:
        out.append(Reason(Code.LIMIT_EXCEEDED, f"{r.rows} rows asked; {label} allows "
                          f"{c.max_rows_per_request} per request"))  # fmt: skip
    if c.max_requests_per_period is not None and r.usage.requests >= c.max_requests_per_period:
        out.append(Reason(Code.LIMIT_EXCEEDED, f"{r.usage.requests} requests made this "
                          f"{c.period}; {label} allows {c.max_requests_per_period}"))  # fmt: skip
    if c.max_rows_per_period is not None and r.usage.rows + r.rows > c.max_rows_per_period:
        out.append(Reason(Code.LIMIT_EXCEEDED, f"{r.usage.rows} + {r.rows} rows this "
                          f"{c.period}; {label} allows {c.max_rows_per_period}"))  # fmt: skip


def _permit(c: _Compiled, data: _Data, r: Request, label: str) -> Decision:
    fields = tuple(dict.fromkeys(r.fields))
    obligations: list[Obligation] = []
    pseudo = tuple(f for f in fields if f in data.pseudonymised)
    if pseudo:
        obligations.append(Obligation(ObligationKind.PSEUDONYMISE, pseudo))
    aggregate = tuple(f for f in fields if f in data.aggregate)
    if aggregate:
        obligations.append(Obligation(ObligationKind.AGGREGATE_ONLY, aggregate))
    if data.suppression is not None:
        obligations.append(Obligation(ObligationKind.SUPPRESS_SMALL_NUMBERS, (),
                                      data.suppression))  # fmt: skip
    if data.conditions:
        read = tuple(dict.fromkeys(cond.field for cond in data.conditions))
        obligations.append(Obligation(ObligationKind.RESTRICT_ROWS, read,
                                      conditions=data.conditions))  # fmt: skip
    reason = Reason(Code.PERMITTED, f"{label} allows {r.requester!r} {r.dataset!r} "
                    f"for {r.purpose!r}")  # fmt: skip
    return Decision(True, (reason,), fields, (*obligations, *c.standing), c.id, c.version,
                    c.bases.get((r.requester, r.purpose)))  # fmt: skip
