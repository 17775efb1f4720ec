"""Opt-out schemes: whether a register applies to a disclosure, decided by rules.

An opt-out is never a flag on the shared record: the register is kept apart and
consulted at the moment of each disclosure, so an opt-out takes effect on the next one.
Whether it applies depends on the disclosure's legal basis and purpose, not on the
person: each scheme is a rule over :class:`Disclosure`, registered in :data:`SCHEMES`
by name, with its explanation for the people it protects in :data:`SCHEME_TEXTS` (what
opting out means, where it does not apply, whether the person may choose it themselves);
a node adds a scheme of its own with :func:`register_scheme`, as the built-ins are
registered.

Built-ins:

- ``national``: the pattern of the NHS national data opt-out. It applies to
  confidential information used beyond individual care, and not where the person
  consented, the law requires the disclosure, there is an overriding public interest,
  or the output is anonymised (aggregate); nor where the agreement records that it
  does not apply (data that is not confidential patient information); nor to a
  disclosure for a law enforcement purpose (DPA 2018 Part 3), which never rests on the
  section 251 support the opt-out is a condition of.
- ``objection``: objections a controller has upheld under UK GDPR Article 21, which
  reach processing on public task or legitimate interests only: not consent, contract,
  legal obligation or vital interests, and not law enforcement processing (DPA 2018
  Part 3 has no right to object). The person cannot register one themselves: the
  controller decides whether to uphold an objection, and staff record it.
"""

from __future__ import annotations

from collections.abc import Callable

from accord.privacy.errors import UnknownScheme
from accord.privacy.models import Disclosure, LawfulBasis, OptOutRuling, Output, SchemeText
from accord.store import check_name

Rule = Callable[[Disclosure], tuple[bool, str]]
SCHEMES: dict[str, Rule] = {}
"""Opt-out schemes by name: each a rule saying whether its register applies, and why."""
SCHEME_TEXTS: dict[str, SchemeText] = {}
"""Each scheme explained to the people it protects, by name (every scheme has one)."""


def register_scheme(name: str, rule: Rule, text: SchemeText | None = None) -> None:
    """Declare an opt-out scheme (its register is kept under ``name``), with ``text`` to
    explain it to people (default: its name, and staff record it on their behalf)."""
    check_name(name, "opt-out scheme name")
    if name in SCHEMES:
        raise ValueError(f"opt-out scheme {name!r} is already registered")
    SCHEMES[name] = rule
    SCHEME_TEXTS[name] = text or SchemeText(
        title=name, summary=f"The {name} opt-out.",
        how_to="Ask the organisation's data protection officer.",
    )  # fmt: skip


def scheme_text(scheme: str) -> SchemeText:
    """``scheme`` explained to the people it protects."""
    try:
        return SCHEME_TEXTS[scheme]
    except KeyError:
        raise UnknownScheme(
            f"no opt-out scheme {scheme!r}: known ones are {', '.join(sorted(SCHEMES))}"
        ) from None


def ruling(scheme: str, disclosure: Disclosure) -> OptOutRuling:
    """Whether ``scheme``'s register applies to ``disclosure``."""
    try:
        rule = SCHEMES[scheme]
    except KeyError:
        raise UnknownScheme(
            f"no opt-out scheme {scheme!r}: known ones are {', '.join(sorted(SCHEMES))}"
        ) from None
    applies, reason = rule(disclosure)
    return OptOutRuling(scheme, applies, reason)


def _national(d: Disclosure) -> tuple[bool, str]:
    if d.output is Output.AGGREGATE:
        return False, "anonymised (aggregate) output is exempt"
    if d.purpose == "direct_care":
        return False, "individual care is exempt"
    if d.lawful_basis in (LawfulBasis.CONSENT, LawfulBasis.LAW_ENFORCEMENT_CONSENT):
        return False, "the person consented"
    if d.lawful_basis.law_enforcement:
        return False, ("a law enforcement disclosure (DPA 2018 Part 3) rests on a legal "
                       "requirement or an overriding public interest, not on the section 251 "
                       "support the opt-out is a condition of")  # fmt: skip
    if d.lawful_basis is LawfulBasis.LEGAL_OBLIGATION:
        return False, "the law requires the disclosure"
    if d.overriding_public_interest:
        return False, "the agreement records an overriding public interest"
    if not d.national_opt_out_applies:
        return False, "the agreement records that the national data opt-out does not apply"
    return True, "confidential information used beyond individual care"


def _objection(d: Disclosure) -> tuple[bool, str]:
    if d.output is Output.AGGREGATE:
        return False, "anonymised (aggregate) output is exempt"
    if d.lawful_basis.law_enforcement:
        return False, ("DPA 2018 Part 3 gives no right to object (its rights are ss44-48), "
                       "and Art 21 gives way where it would prejudice the prevention or "
                       "detection of crime (DPA 2018 Sch 2 para 2)")  # fmt: skip
    if d.lawful_basis in (LawfulBasis.PUBLIC_TASK, LawfulBasis.LEGITIMATE_INTERESTS):
        return True, f"Article 21 objections reach processing on {d.lawful_basis.value}"
    return False, f"Article 21 objections do not reach processing on {d.lawful_basis.value}"


NATIONAL = SchemeText(
    title="Research and planning (the national data opt-out)",
    summary="If you opt out, confidential information about you will not be shared for "
    "purposes beyond your own care, such as research and planning health and care services.",
    exemptions=(
        "your own care and treatment",
        "where you have given your consent",
        "where the law requires the information to be shared, such as a court order",
        "where there is an overriding public interest, such as a serious risk of harm to others",
        "to prevent or detect crime, or for other law enforcement purposes",
        "information that does not identify you, such as counts of people",
        "information that is not confidential patient information, where the agreement "
        "to share it says so",
    ),
    self_service=True,
)
OBJECTION = SchemeText(
    title="Objecting to a use of your data",
    summary="You have the right to object to your data being used for a public task or in "
    "an organisation's legitimate interests (UK GDPR Article 21). The organisation decides "
    "whether to uphold your objection. If it does, it records it here and your data is not "
    "shared for those uses.",
    exemptions=(
        "where you have given your consent, or a contract with you needs the data",
        "where the law requires the information to be shared",
        "to protect someone's life",
        "to prevent or detect crime, or for other law enforcement purposes",
        "information that does not identify you, such as counts of people",
    ),
    self_service=False,
    how_to="Contact the organisation's data protection officer and say which use you object "
    "to and why. If your objection is upheld, they record it here and you will see it on "
    "this page.",
)
register_scheme("national", _national, NATIONAL)
register_scheme("objection", _objection, OBJECTION)
