"""Opt-out schemes: whether a register applies to a disclosure, decided by rules.

An opt-out is never a flag on the shared record: the register is kept apart and
consulted at the moment of each disclosure, so an opt-out takes effect on the next one.
Whether it applies depends on the disclosure's legal basis and purpose, not on the
person: each scheme is a rule over :class:`Disclosure`, registered in :data:`SCHEMES`
by name; a node adds a scheme of its own with :func:`register_scheme`, as the built-ins
are registered.

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
  Part 3 has no right to object).
"""

from __future__ import annotations

from collections.abc import Callable

from accord.privacy.errors import UnknownScheme
from accord.privacy.models import Disclosure, LawfulBasis, OptOutRuling, Output
from accord.store import check_name

Rule = Callable[[Disclosure], tuple[bool, str]]
SCHEMES: dict[str, Rule] = {}
"""Opt-out schemes by name: each a rule saying whether its register applies, and why."""


def register_scheme(name: str, rule: Rule) -> None:
    """Declare an opt-out scheme (its register is kept under ``name``)."""
    check_name(name, "opt-out scheme name")
    if name in SCHEMES:
        raise ValueError(f"opt-out scheme {name!r} is already registered")
    SCHEMES[name] = rule


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


register_scheme("national", _national)
register_scheme("objection", _objection)
