"""The demo's audit step: what the exchange will record, recorded through the audit API.

Ingest records its own ``dataset.ingested`` event; linkage and disclosure do not emit
audit events yet, so this plays their part: the GP node records the linkage run, the
decision to share, and one ``records.disclosed`` entry per linked person (in batches,
with signed checkpoints), one of them deferred. Prints the chosen person's NHS number and date of
birth for the next step of the demo.

    python scripts/demo_audit.py DEMO_OUT
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from accord import audit
from accord.store import Workspace, open_workspace

AGREEMENT = "gp-hospital-admission-risk"
NODES = {"gp": "registered-patients", "hospital": "admissions", "council": "residents"}


def disclosure(person: audit.PersonKey, hidden: bool = False) -> audit.RecordsDisclosed:
    later = datetime.now(UTC).date() + timedelta(days=180)
    return audit.RecordsDisclosed(
        person=person, agreement=AGREEMENT, recipient="Riverside Hospital Trust",
        recipient_role="admissions risk analyst", dataset="registered-patients",
        purpose="finding patients at high risk of an emergency admission, to offer care",
        legal_basis="UK GDPR Art 6(1)(e) public task; Art 9(2)(h) health care",
        gateway="Health and Social Care Act 2012 s251B (duty to share for care)",
        source="Riverside GP practice", retention="2 years from the share",
        staff="J. Analyst", hidden_until=later if hidden else None,
        hidden_reason="safeguarding review in progress" if hidden else "",
    )  # fmt: skip


def _key(ws: Workspace, nhs_number: str) -> audit.PersonKey | None:
    try:
        return audit.person_key(ws, nhs_number)
    except audit.IdentityNotVerified:
        return None


def main(out: Path) -> None:
    with (out / "gp-standardised.csv").open(encoding="utf-8") as fh:
        gp = {r["record_id"]: r for r in csv.DictReader(fh)}
    with (out / "gp-hospital-pairs.csv").open(encoding="utf-8") as fh:
        linked = [gp[r["left_id"]] for r in csv.DictReader(fh) if r["left_id"] in gp]
    with open_workspace(out / "nodes" / "gp") as ws:
        # A person's view is keyed by a valid NHS number: a record whose number is
        # missing or mistyped (the scenario mistypes some) cannot be shown to anyone.
        keyed = [(r, _key(ws, r["nhs_number"])) for r in linked if r["date_of_birth"]]
        linked = [r for r, key in keyed if key is not None]
        people = [key for _, key in keyed if key is not None]
        with audit.transaction(ws) as tx:
            tx.record(
                audit.LinkageRun(left="registered-patients", right="admissions",
                                 mode="private", pairs=len(linked), agreement=AGREEMENT),
                audit.DisclosureDecided(agreement=AGREEMENT, requester="hospital",
                                        purpose="admission risk", permitted=True,
                                        reasons=("agreement active", "purpose within scope")),
                *(disclosure(p) for p in people),
                disclosure(people[0], hidden=True),
            )  # fmt: skip
    chosen = linked[0]
    print(f"{chosen['nhs_number']} {chosen['date_of_birth']} {len(people) + 2}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
