"""The demo's audit step: the GP node shares its registered patients with the hospital.

``privacy.disclose_in`` applies the GP's opt-out registers, keeps the fields the
agreement allows, pseudonymises the NHS number with the agreement's key, and records one
``records.disclosed`` entry per person shared (in batches, with signed checkpoints); a
second share is deferred for a safeguarding review. Prints one shared person's NHS number
and date of birth, for the next step of the demo, and how many entries were recorded.

    python scripts/demo_audit.py DEMO_OUT
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from accord import audit, privacy
from accord.store import Workspace, open_workspace

AGREEMENT = "gp-hospital-admission-risk"
PURPOSE = "admission-risk-stratification"
DISCLOSURE = privacy.Disclosure(AGREEMENT, privacy.LawfulBasis.PUBLIC_TASK, PURPOSE,
                                privacy.Output.PSEUDONYMISED)  # fmt: skip
FIELDS = privacy.Minimisation(("nhs_number", "date_of_birth", "sex"),
                              {"nhs_number": privacy.Treatment.PSEUDONYMISE})  # fmt: skip


def share(hidden: bool = False) -> privacy.Share:
    later = datetime.now(UTC).date() + timedelta(days=180)
    return privacy.Share(
        recipient="Riverside Hospital Trust", recipient_role="admissions risk analyst",
        purpose="finding patients at high risk of an emergency admission, to offer care",
        legal_basis="UK GDPR Art 6(1)(e) public task; Art 9(2)(h) health care",
        gateway="Health and Social Care Act 2012 s251B (duty to share for care)",
        source="Riverside GP practice", retention="2 years from the share",
        staff="practice data manager", hidden_until=later if hidden else None,
        hidden_reason="safeguarding review in progress" if hidden else "",
    )  # fmt: skip


def _keyed(ws: Workspace, nhs_number: str) -> bool:
    try:
        audit.person_key(ws, nhs_number)
    except audit.IdentityNotVerified:
        return False
    return True


def main(out: Path) -> None:
    with (out / "gp-standardised.csv").open(encoding="utf-8") as fh:
        patients = [r for r in csv.DictReader(fh) if r["nhs_number"] and r["date_of_birth"]]
    shares = out / "shares"
    shares.mkdir(exist_ok=True)
    with open_workspace(out / "nodes" / "gp") as ws:
        done = [
            privacy.disclose_in(
                ws, "registered-patients", shares / name, DISCLOSURE, FIELDS, share(hidden)
            )
            for name, hidden in (("to-hospital.parquet", False), ("deferred.parquet", True))
        ]
        # The first patients registered opt-outs in step 8: show one who was shared.
        chosen = next(r for r in patients[3:] if _keyed(ws, r["nhs_number"]))
    entries = sum(d.people + (1 if d.unkeyed else 0) for d in done)
    print(f"{chosen['nhs_number']} {chosen['date_of_birth']} {entries}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
