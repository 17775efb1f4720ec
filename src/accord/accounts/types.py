"""The accounts context's vocabulary."""

from __future__ import annotations

from typing import NewType

AccountName = NewType("AccountName", str)
"""A member of staff's account name: the identifier pattern (``jo.bloggs``)."""
SessionToken = NewType("SessionToken", str)
"""The secret a signed-in browser holds; the store keeps only its SHA-256."""
