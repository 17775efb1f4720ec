"""What can go wrong with agreements; each message says what to change."""

from __future__ import annotations


class AgreementError(Exception):
    """Base of every agreements error."""


class AgreementInvalid(AgreementError):
    """An agreement document breaks the model: each problem names its field."""

    def __init__(self, problems: list[tuple[str, str]], source: str = "agreement") -> None:
        self.problems = problems
        lines = [f"{source}: {field}: {message}" for field, message in problems]
        super().__init__("\n".join(lines))


class AgreementNotFound(AgreementError):
    """No agreement (or version) of that id is in this workspace's store."""


class TransitionRefused(AgreementError):
    """A lifecycle step not allowed from the agreement's current status."""


class AgreementImmutable(AgreementError):
    """A signed agreement's content cannot change: amend it (a new version) instead."""


class SignatureError(AgreementError):
    """Signing or verification failed."""


class SignatureInvalid(SignatureError):
    """A signature does not verify, or a party has not signed."""


class KeyUnusable(SignatureError):
    """A public or private key is missing or unreadable."""


class PeerRefused(AgreementError):
    """A partner's key cannot be added: it is this node's own organisation, or it already
    has another key here."""


class PeerUnknown(AgreementError):
    """No key for that organisation is in this node's peer registry."""


class GatewayError(AgreementError):
    """The legal gateway finder's rules or the answers it was given are wrong."""


class GatewayRulesInvalid(GatewayError):
    """A gateway rules file breaks the schema or names what no file defines: each problem
    names the file, the entry (``rules.3 (id direct-care)``) and the field."""

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        self.problems = problems
        lines = [f"{source}: {where}: {what}" for source, where, what in problems]
        super().__init__("\n".join(lines))


class UnknownAnswer(GatewayError):
    """An answer names a purpose or a kind of party the rules do not know; the message
    lists the ones they do."""

    def __init__(self, question: str, value: str, choices: list[str]) -> None:
        self.question, self.value, self.choices = question, value, choices
        super().__init__(f"{question} {value!r} is not one the gateway rules know; choose "
                         f"from: {', '.join(choices)}")  # fmt: skip
