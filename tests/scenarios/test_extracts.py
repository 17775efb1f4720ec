"""The extract files: each in its legacy shape, readable by real readers, fully answered."""

from __future__ import annotations

import csv
import re
import sqlite3
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from accord.scenarios import ErrorRates, generate
from accord.scenarios.extracts import GpWriter, HospitalWriter, to_cp1252

AS_OF = date(2025, 6, 30)
SCENARIO = "gp-hospital-council"
GP_HEADER = (
    "PatientID,PatientName,DOB,Sex,NHSNumber,PostCode,Address1,Address2,Town,Telephone,"
    "Email,RegisteredDate"
)
HOSPITAL_HEADER = [
    "MRN", "Forename", "Surname", "DOB", "SexCode", "NHS_No", "Postcode", "AddressLine1",
    "AddressLine2", "AdmissionDate", "Ward", "Admissions",
]  # fmt: skip
COUNCIL_COLUMNS = [
    "resident_ref", "first_name", "middle_name", "last_name", "date_of_birth", "gender",
    "nhs_no", "ni_number", "post_code", "house_number", "street", "town", "phone", "email",
    "service",
]  # fmt: skip


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scenario with accented names and address line breaks made common."""
    folder = tmp_path_factory.mktemp("extracts")
    rates = ErrorRates(accented_given_name=0.2, accented_family_name=0.1, address_newline=0.1)
    generate(SCENARIO, 600, folder, seed=21, rates=rates, as_of=AS_OF)
    return folder


def gp_rows(out: Path) -> list[dict[str, str]]:
    with (out / "gp.csv").open(encoding="cp1252", newline="") as file:
        return list(csv.DictReader(file))


def hospital_rows(out: Path) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(out / "hospital.xlsx", read_only=True)
    try:
        rows = list(book["Admissions"].iter_rows(values_only=True))
    finally:
        book.close()
    header = [str(cell) for cell in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def council_rows(out: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(out / "council.sqlite")
    try:
        db.row_factory = sqlite3.Row
        return db.execute("SELECT * FROM residents").fetchall()
    finally:
        db.close()


def truth(out: Path) -> list[dict[str, str]]:
    with (out / "truth.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_gp_csv_is_cp1252_with_the_exact_header(out: Path) -> None:
    raw = (out / "gp.csv").read_bytes()
    assert raw.startswith(GP_HEADER.encode("ascii") + b"\r\n")
    raw.decode("cp1252")
    assert any(byte > 0x7F for byte in raw)
    assert b"\xeb" in raw or b"\xe9" in raw  # ë or é, as cp1252 writes them
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_gp_has_quoted_embedded_newlines(out: Path) -> None:
    raw = (out / "gp.csv").read_bytes()
    assert re.search(rb',"[^",]+\n[^"]+",', raw)
    rows = gp_rows(out)
    broken = [row for row in rows if "\n" in row["Address1"]]
    assert 20 < len(broken) < 120
    assert all(row["PatientID"].startswith("G") for row in rows)


def test_gp_names_dates_and_codes(out: Path) -> None:
    rows = gp_rows(out)
    for row in rows:
        family, _, forenames = row["PatientName"].partition(", ")
        assert family == family.upper()
        assert forenames
        assert re.fullmatch(r"(\d{2}/\d{2}/\d{4})?", row["DOB"])
        assert row["Sex"] in {"M", "F", "U"}
        assert re.fullmatch(r"G\d{6}", row["PatientID"])
        datetime.strptime(row["RegisteredDate"], "%d/%m/%Y")
    given = [row["PatientName"].partition(", ")[2] for row in rows]
    assert any(name.split()[0] in {"Mr", "Mrs", "Miss", "Ms", "Dr"} for name in given)
    # Given names keep their recorded case, not the family name's capitals.
    assert sum(name[:1].isupper() and name[1:2].islower() for name in given) > 500


def test_characters_outside_cp1252_are_transliterated() -> None:
    assert to_cp1252("Łukasz Dvořák Şahin") == "Lukasz Dvorák Sahin"
    assert to_cp1252("Zoë O'Brien") == "Zoë O'Brien"
    assert to_cp1252("李") == "?"


def test_gp_writes_names_that_cp1252_lacks(tmp_path: Path) -> None:
    rates = ErrorRates.without_errors(accented_given_name=1.0, accented_family_name=1.0)
    generate(SCENARIO, 200, tmp_path, seed=2, organisations=["gp"], rates=rates, as_of=AS_OF)
    text = (tmp_path / "gp.csv").read_text(encoding="cp1252")
    assert "Lukasz" in text or "DVORAK" in text
    assert "?" not in text


def test_hospital_workbook_opens_with_header_and_text_dates(out: Path) -> None:
    rows = hospital_rows(out)
    assert list(rows[0]) == HOSPITAL_HEADER
    for row in rows:
        assert row["DOB"] is None or re.fullmatch(r"\d{2}/\d{2}/\d{4}", row["DOB"])
        assert isinstance(row["AdmissionDate"], datetime)
        assert row["AdmissionDate"].date() <= AS_OF
        assert row["SexCode"] in {"1", "2", None}
        assert isinstance(row["Admissions"], int)
        assert row["Admissions"] >= 1
        assert re.fullmatch(r"RX\d{7}", row["MRN"])
    assert len({row["MRN"] for row in rows}) == len(rows)
    assert any(row["NHS_No"] and re.fullmatch(r"\d{3} \d{3} \d{4}", row["NHS_No"]) for row in rows)


def test_council_database_has_the_table_and_null_nhs_numbers(out: Path) -> None:
    db = sqlite3.connect(out / "council.sqlite")
    try:
        columns = [row[1] for row in db.execute("PRAGMA table_info(residents)")]
        (key,) = [row[1] for row in db.execute("PRAGMA table_info(residents)") if row[5]]
    finally:
        db.close()
    assert columns == COUNCIL_COLUMNS
    assert key == "resident_ref"
    rows = council_rows(out)
    nulls = sum(row["nhs_no"] is None for row in rows)
    assert 0.45 < nulls / len(rows) < 0.75
    assert {row["gender"] for row in rows} <= {"Male", "Female", None}
    assert all(re.fullmatch(r"C-\d{5}", row["resident_ref"]) for row in rows)
    for row in rows:
        assert row["date_of_birth"] is None or date.fromisoformat(row["date_of_birth"])
    assert "" not in {value for row in rows for value in tuple(row)}


def test_truth_covers_every_record_exactly_once(out: Path) -> None:
    answers = Counter((row["organisation"], row["record_id"]) for row in truth(out))
    records = Counter(
        [("gp", row["PatientID"]) for row in gp_rows(out)]
        + [("hospital", row["MRN"]) for row in hospital_rows(out)]
        + [("council", row["resident_ref"]) for row in council_rows(out)]
    )
    assert answers == records
    assert set(answers.values()) == {1}
    with (out / "population.csv").open(encoding="utf-8", newline="") as file:
        people = {row["person_id"] for row in csv.DictReader(file)}
    rows = truth(out)
    assert {row["person_id"] for row in rows} <= people
    assert not {row["record_id"] for row in rows} & people
    # Each person has at most one record per organisation.
    assert len({(row["organisation"], row["person_id"]) for row in rows}) == len(rows)


def test_coverage_is_roughly_as_set(out: Path) -> None:
    counts = Counter(row["organisation"] for row in truth(out))
    assert 0.84 < counts["gp"] / 600 < 0.96
    assert 0.32 < counts["hospital"] / 600 < 0.48
    assert 0.52 < counts["council"] / 600 < 0.68


def _mapped_columns(mapping: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for value in mapping["fields"].values():
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, list):
            names.extend(value)
        else:
            names.append(value["column"])
    return names + list(mapping.get("attributes", []))


@pytest.mark.parametrize(
    ("organisation", "columns"),
    [
        ("gp", GP_HEADER.split(",")),
        ("hospital", HOSPITAL_HEADER),
        ("council", COUNCIL_COLUMNS),
    ],
)
def test_mapping_loads_and_names_only_real_columns(
    out: Path, organisation: str, columns: list[str]
) -> None:
    text = (out / f"{organisation}.mapping.yaml").read_text(encoding="utf-8")
    mapping = yaml.safe_load(text)
    assert list(mapping) == ["source", "fields", "attributes"]
    assert mapping["fields"]["record_id"] == columns[0]
    assert set(_mapped_columns(mapping)) <= set(columns)
    assert "date_of_birth" in mapping["fields"]
    assert set(mapping["fields"]["sex"]["codes"].values()) <= {"male", "female", "not_known"}


def test_mapping_sources_work_on_their_files(out: Path) -> None:
    gp = yaml.safe_load((out / "gp.mapping.yaml").read_text(encoding="utf-8"))
    assert gp["source"] == {"encoding": "cp1252", "delimiter": ","}
    assert gp["fields"]["full_name"] == "PatientName"
    assert yaml.safe_load((out / "hospital.mapping.yaml").read_text(encoding="utf-8"))[
        "source"
    ] == {"sheet": "Admissions"}
    council = yaml.safe_load((out / "council.mapping.yaml").read_text(encoding="utf-8"))
    db = sqlite3.connect(out / "council.sqlite")
    try:
        rows = db.execute(council["source"]["query"]).fetchall()
    finally:
        db.close()
    assert len(rows) == len(council_rows(out))


def test_error_free_gp_extract_matches_the_truth(tmp_path: Path) -> None:
    rates = ErrorRates.without_errors(gp_coverage=1.0)
    generate(SCENARIO, 200, tmp_path, seed=4, organisations=["gp"], rates=rates, as_of=AS_OF)
    with (tmp_path / "population.csv").open(encoding="utf-8", newline="") as file:
        people = list(csv.DictReader(file))
    for person, row in zip(people, gp_rows(tmp_path), strict=True):
        given = " ".join(n for n in (person["given_name"], person["middle_names"]) if n)
        family = to_cp1252(person["family_name"]).upper()
        assert row["PatientName"] == to_cp1252(f"{family}, {given}")
        assert (
            datetime.strptime(row["DOB"], "%d/%m/%Y").date().isoformat()
            == (person["date_of_birth"])
        )
        assert row["NHSNumber"] == person["nhs_number"]
        assert row["PostCode"] == person["postcode"]
        assert row["Sex"] == person["sex"][0].upper()
        joined = ", ".join(v for v in (row["Address1"], row["Address2"], row["Town"]) if v)
        assert joined == to_cp1252(person["address"])


def test_writers_declare_their_columns() -> None:
    assert ",".join(GpWriter.columns) == GP_HEADER
    assert list(HospitalWriter.columns) == HOSPITAL_HEADER
