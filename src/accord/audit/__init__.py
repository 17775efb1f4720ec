from accord.audit.errors import ProofError

__all__ = ["ProofError"]
