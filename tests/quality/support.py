"""Builders shared by the quality tests: people files with known faults, ingested for real."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from accord.quality import Assessment, Checklist, CheckResult, assess, parse_checklist
from accord.sources import ingest
from accord.store import Workspace

AS_OF = date(2026, 1, 31)
HEADER = "id,name,dob,sex,nhs,ni,postcode,address,ward"
MAPPING = """fields:
  record_id: id
  full_name: name
  date_of_birth: dob
  sex: sex
  nhs_number: nhs
  ni_number: ni
  postcode: postcode
  address: address
attributes: [ward]
"""


def nhs(base: int) -> str:
    """A valid NHS number: nine digits and their mod-11 check digit (bases giving 10 skipped)."""
    while True:
        digits = f"{base:09d}"
        total = sum(int(d) * (10 - i) for i, d in enumerate(digits))
        check = 11 - total % 11
        if check != 10:
            return digits + str(0 if check == 11 else check)
        base += 1


A, B, C = nhs(400000001), nhs(400000020), nhs(400000300)

CLEAN = [
    f'1,Mr John Smith,1980-02-13,M,{A},AB123456C,LS1 4AP,"1 High St, Leeds",north',
    f'2,Mrs Jane Doe,1985-03-24,F,{B},AB123457C,M1 1AA,"2 Low Rd, Manchester",south',
    f'3,Ms Ann Jones,1990-12-25,F,{C},AB123458C,B1 1AA,"3 New St, Birmingham",east',
]
"""Three records with nothing wrong."""

DIRTY = [
    f'1,Mr John Smith,1980-02-13,F,{A},AB123456C,LS1 4AP,"1 High St, Leeds",north',
    f'1,Mr John Smith,1980-02-13,M,{A},AB123456C,LS1 4AP,"1 High St, Leeds",north',
    '3,Mrs Jane Doe,2090-01-15,F,9434765918,QQ123456C,LS1 4AP,"2 Low Rd, Manchester",',
    "4,Ann Jones,,Z,,,XX 1,,west",
    f'5,Ms Ann Jones,1990-12-25,F,{A},AB123458C,B1 1AA,"3 New St, Birmingham",east',
    '6,Dr Bob Brown,1970-11-30,M,12345,AB123459C,M1 1AA,"4 Bank St, Manchester",south',
]
"""Six records, each fault placed once (see test_checks.py for what each check counts):
row 1 Mr recorded female; row 2 repeats row 1; row 3 born in the future, a wrong NHS
check digit, an NI number with a prefix never issued, a Leeds postcode on a Manchester
address; row 4 blanks, an unknown sex code and an invalid postcode; row 5 row 1's NHS
number on a person born on another day; row 6 an NHS number of five digits."""


def ingest_rows(
    workspace: Workspace, rows: list[str], dataset: str = "people", *, as_of: date = AS_OF
) -> None:
    """Ingest ``rows`` (CSV lines under :data:`HEADER`) as a new snapshot of ``dataset``."""
    folder = workspace.root / "sources"
    folder.mkdir(exist_ok=True)
    source = folder / f"{dataset}.csv"
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    mapping = folder / "people.mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    ingest(workspace, str(source), mapping, dataset, as_of=as_of)


def checklist(text: str, folder: Path) -> Checklist:
    """A checklist from YAML text, its files resolved in ``folder``."""
    return parse_checklist(yaml.safe_load(text), "test.yaml", folder)


def run(workspace: Workspace, text: str, *, today: date = AS_OF, samples: int = 0) -> Assessment:
    """Assess ``people`` with the checklist ``text``, without storing the result."""
    chosen = checklist(text, workspace.root)
    return assess(workspace, "people", chosen, save=False, today=today, samples=samples)


def counts(assessment: Assessment) -> list[tuple[str, str | None, int, int]]:
    return [(c.type, c.field, c.total, c.failed) for c in assessment.checks]


def only(assessment: Assessment) -> CheckResult:
    (result,) = assessment.checks
    return result
