"""The identity provider citizens sign in through, chosen by ``portal_identity``.

``local`` (development, the demo and tests only): :class:`accord.audit.LocalProvider`,
the person found by NHS number and date of birth in the newest snapshot of any of the
node's datasets. ``oidc``: GOV.UK One Login or NHS login (``oidc``). ``none``: citizens
cannot sign in on this node.
"""

from __future__ import annotations

from datetime import date

from accord import audit
from accord.sources import holds_person, latest_snapshots
from accord.store import Workspace


def local_provider(ws: Workspace) -> audit.LocalProvider:
    """NHS number and date of birth, checked against the node's datasets: it proves
    knowledge of two facts, not identity. Never for production."""

    def known(nhs_number: str, born: date) -> bool:
        return any(
            holds_person(ws, snap.dataset, nhs_number, born) for snap in latest_snapshots(ws.engine)
        )

    return audit.LocalProvider(known=known)
