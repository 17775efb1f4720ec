"""The legal gateway finder: which lawful bases and statutory gateways fit a sharing.

Guidance, not legal advice. ``rules.yaml`` (shipped) is a table of rules with a source for
each; a node adds its own files (setting ``gateway_rules``). Inside: ``models`` (the rules
file, the answers, the proposal), ``rules`` (reading, merging and checking rule files,
the published schema), ``finder`` (:func:`find_gateways` and :func:`prefill`). The
agreements face re-exports what other contexts use; see docs/gateways.md.
"""

from accord.agreements.gateways.finder import NOTICE, check_answers, find_gateways, prefill
from accord.agreements.gateways.models import (
    GatewayAnswers,
    GatewayParty,
    GatewayProposal,
    ProposedBasis,
    ProposedCondition,
    ProposedCriminalCondition,
    ProposedGateway,
    ProposedPurpose,
    RuleFile,
)
from accord.agreements.gateways.rules import GatewayRules, gateway_schema, load_gateway_rules

__all__ = [
    "NOTICE",
    "GatewayAnswers",
    "GatewayParty",
    "GatewayProposal",
    "GatewayRules",
    "ProposedBasis",
    "ProposedCondition",
    "ProposedCriminalCondition",
    "ProposedGateway",
    "ProposedPurpose",
    "RuleFile",
    "check_answers",
    "find_gateways",
    "gateway_schema",
    "load_gateway_rules",
    "prefill",
]
