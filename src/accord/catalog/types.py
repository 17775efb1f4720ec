"""Vocabulary of the catalog context."""

from typing import NewType

RunId = NewType("RunId", str)
"""An OpenLineage run id: a UUID, the same for a run's START and its COMPLETE or FAIL."""
