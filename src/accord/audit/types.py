"""The audit context's vocabulary."""

from __future__ import annotations

from typing import NewType

PersonKey = NewType("PersonKey", str)
"""A node-local pseudonym of a person (hex HMAC of their NHS number under a key derived
from the node's privacy secret): the log and the citizen index hold this, never a name."""

EntryIndex = NewType("EntryIndex", int)
"""A leaf's position in the log, from 0."""
