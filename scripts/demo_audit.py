"""The demo's audit steps at the GP node, around the share it made over HTTP.

``person`` prints the NHS number and date of birth of a patient the GP node can key in
its log and who did not opt out (the first three did, in the demo's opt-out step): the
hospital looks them up, and the subject access step shows their uses.

``deferred`` makes one more share of the registered patients with ``privacy.disclose_in``
(the GP's opt-out registers, the fields the agreement allows, the NHS number
pseudonymised with the agreement's key, one ``records.disclosed`` entry per person, in
signed batches), deferred for a safeguarding review: in the log and its proofs at once,
in a person's view only from its date. Prints how many entries it recorded.

    python scripts/demo_audit.py person DEMO_OUT
    python scripts/demo_audit.py deferred DEMO_OUT
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


def share(hidden: bool) -> privacy.Share:
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


def person(out: Path) -> None:
    with (out / "gp-standardised.csv").open(encoding="utf-8") as fh:
        patients = [r for r in csv.DictReader(fh) if r["nhs_number"] and r["date_of_birth"]]
    with open_workspace(out / "nodes" / "gp") as ws:
        chosen = next(r for r in patients[3:] if _keyed(ws, r["nhs_number"]))
    print(f"{chosen['nhs_number']} {chosen['date_of_birth']}")


def deferred(out: Path) -> None:
    shares = out / "shares"
    shares.mkdir(exist_ok=True)
    with open_workspace(out / "nodes" / "gp") as ws:
        done = privacy.disclose_in(
            ws, "registered-patients", shares / "deferred.parquet", DISCLOSURE, FIELDS, share(True)
        )
    print(done.people + (1 if done.unkeyed else 0))


if __name__ == "__main__":
    {"person": person, "deferred": deferred}[sys.argv[1]](Path(sys.argv[2]))
