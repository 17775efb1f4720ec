"""Accord: lawful, minimal, verifiable and transparent sharing of personal data.

One package per bounded context (see docs/architecture.md); each exposes a small public
face in its ``__init__`` and keeps everything else private.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
