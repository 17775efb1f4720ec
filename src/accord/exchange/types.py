"""The exchange's vocabulary."""

from __future__ import annotations

from typing import NewType

NodeId = NewType("NodeId", str)
"""A node's id: its organisation's UK public-sector code (``A81001``, ``RX1``,
``E06000023``); the ``keyid`` of its HTTP signatures."""

Serial = NewType("Serial", int)
"""A trust list's serial number: each list the authority publishes has a higher one."""
