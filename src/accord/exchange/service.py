"""What a node answers its peers, joining the contexts' public faces.

:func:`catalogue_for` is the per-caller catalogue (EDC's per-consumer catalogue): only
the datasets this node provides under an agreement that is active and in date today,
in which the caller is a receiving party and a recipient of the dataset, each with the
agreement's fields and treatments, the dataset's current kitemark on this node and its
DCAT description from the catalogue. A caller with no agreement gets an empty list,
the same answer whatever this node holds.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from accord.agreements import (
    RECEIVING_ROLES,
    Agreement,
    Dataset,
    Status,
    kitemark_of,
    list_agreements,
    own_org,
)
from accord.catalog import CatalogError, export
from accord.exchange.models import Caller, Catalogue, Offer, OfferedField
from accord.sources import UnknownDataset
from accord.store import Workspace


def offers(ws: Workspace, org: str, on: date) -> list[Offer]:
    """The datasets ``org``'s active agreements with this node let it ask for, on ``on``."""
    provider = own_org(ws)
    found: list[Offer] = []
    for stored in list_agreements(ws):
        agreement = stored.agreement
        if stored.status_on(on) is not Status.ACTIVE or on < agreement.dates.start:
            continue
        party = agreement.party(org)
        if party is None or party.role not in RECEIVING_ROLES:
            continue
        found += [
            _offer(ws, agreement, d)
            for d in agreement.datasets
            if d.provider == provider and org in d.recipients
        ]
    return sorted(found, key=lambda o: (o.dataset, o.agreement))


def _offer(ws: Workspace, agreement: Agreement, dataset: Dataset) -> Offer:
    return Offer(
        dataset=str(dataset.name),
        agreement=agreement.id,
        version=agreement.version,
        purposes=[p.code for p in agreement.purposes],
        fields=[OfferedField(name=f.name, treatment=f.treatment.value) for f in dataset.fields],
        kitemark=kitemark_of(ws, dataset.name).value,
        minimum_kitemark=dataset.minimum_kitemark.value,
        dcat=_dcat(ws, dataset.name),
    )


def _dcat(ws: Workspace, name: str) -> dict[str, Any] | None:
    try:
        document: dict[str, Any] = json.loads(export(ws, name, "dcat"))
    except (CatalogError, UnknownDataset):  # not described, or no snapshot yet
        return None
    return document


def catalogue_for(ws: Workspace, caller: Caller, node_id: str) -> Catalogue:
    """The catalogue this node (``node_id``) shows ``caller``."""
    now = datetime.now(UTC)
    return Catalogue(
        node_id=node_id,
        org=own_org(ws),
        caller=caller.node_id,
        generated_at=now,
        datasets=offers(ws, caller.org, now.date()),
    )
