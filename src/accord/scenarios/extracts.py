"""Writers for the files a scenario produces, one class per file shape.

``PopulationWriter`` and ``TruthWriter`` write the answers (UTF-8 CSV).  Each
``ExtractWriter`` subclass writes one organisation's legacy extract in that
system's own shape, plus the YAML mapping that tells the ingest side which
column is which canonical field; ``WRITERS`` names them by organisation.  All
writers stream: a row goes to disk (or, for SQLite, a small batch) as soon as it
is written, so a million people never sit in memory.
"""

from __future__ import annotations

import abc
import csv
import random
import sqlite3
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self

import yaml

from accord.scenarios.corruption import Recorded
from accord.scenarios.models import Person
from accord.scenarios.population import strip_accents

POPULATION_COLUMNS = (
    "person_id", "given_name", "middle_names", "family_name", "date_of_birth", "sex",
    "nhs_number", "ni_number", "postcode", "address", "phone", "email", "twin_of",
)  # fmt: skip
TRUTH_COLUMNS = ("organisation", "record_id", "person_id")


class _CsvFile:
    """A UTF-8 CSV with a header, closed by ``with``."""

    def __init__(self, path: Path, header: tuple[str, ...]) -> None:
        self.path = path
        self._file = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(header)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


class PopulationWriter(_CsvFile):
    """``population.csv``: every person's true values."""

    def __init__(self, out: Path) -> None:
        super().__init__(out / "population.csv", POPULATION_COLUMNS)

    def write(self, p: Person) -> None:
        """Add one person."""
        self._writer.writerow(
            (p.person_id, p.given_name, p.middle_names, p.family_name,
             p.date_of_birth.isoformat(), p.sex, p.nhs_number, p.ni_number, p.postcode,
             p.address, p.phone, p.email, p.twin_of)
        )  # fmt: skip


class TruthWriter(_CsvFile):
    """``truth.csv``: which person each extract record really is."""

    def __init__(self, out: Path) -> None:
        super().__init__(out / "truth.csv", TRUTH_COLUMNS)

    def write(self, organisation: str, record_id: str, person_id: str) -> None:
        """Add one record's answer."""
        self._writer.writerow((organisation, record_id, person_id))


def _dmy(value: date | None) -> str:
    # An f-string, not strftime: this runs for every row and is several times faster.
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}" if value else ""


def _street_line(rec: Recorded) -> str:
    return f"{rec.house_number} {rec.street}".strip()


class ExtractWriter(abc.ABC):
    """One organisation's extract file and its mapping; use with ``with``."""

    organisation: ClassVar[str]
    filename: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]

    def __init__(self, out: Path, rng: random.Random, as_of: date) -> None:
        self.path = out / self.filename
        self.mapping_path = out / f"{self.organisation}.mapping.yaml"
        self._rng = rng
        self._as_of = as_of
        self._count = 0
        self.mapping_path.write_text(
            yaml.safe_dump(self.mapping(), sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )

    @classmethod
    @abc.abstractmethod
    def mapping(cls) -> dict[str, Any]:
        """The YAML column mapping, as a dict in the order it is written."""

    @abc.abstractmethod
    def write(self, rec: Recorded) -> str:
        """Add one record and return the id this organisation gave it."""

    @abc.abstractmethod
    def close(self) -> None:
        """Finish the file."""

    @property
    def count(self) -> int:
        """Records written so far."""
        return self._count

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _recent_date(self, born: date | None, years: int) -> date:
        earliest = self._as_of - timedelta(days=365 * years)
        if born is not None and born > earliest:
            earliest = born
        span = max((self._as_of - earliest).days, 0)
        return date.fromordinal(earliest.toordinal() + int(self._rng.random() * (span + 1)))


# --- GP: a Windows-era CSV export -------------------------------------------------


def to_cp1252(text: str) -> str:
    """``text`` with every character cp1252 cannot hold replaced by a plain one."""
    if text.isascii():
        return text
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return "".join(_cp1252_char(c) for c in text)
    return text


def _cp1252_char(char: str) -> str:
    for candidate in (char, strip_accents(char)):
        try:
            candidate.encode("cp1252")
        except UnicodeEncodeError:
            continue
        return candidate
    return "?"


class GpWriter(ExtractWriter):
    """``gp.csv``: cp1252, CRLF, one row per registered patient."""

    organisation = "gp"
    filename = "gp.csv"
    columns = (
        "PatientID", "PatientName", "DOB", "Sex", "NHSNumber", "PostCode", "Address1",
        "Address2", "Town", "Telephone", "Email", "RegisteredDate",
    )  # fmt: skip
    _SEX: ClassVar[dict[str, str]] = {"male": "M", "female": "F", "": "U"}

    def __init__(self, out: Path, rng: random.Random, as_of: date) -> None:
        super().__init__(out, rng, as_of)
        # errors="strict": to_cp1252 has already made every value encodable.
        self._file = self.path.open("w", encoding="cp1252", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(self.columns)

    @classmethod
    def mapping(cls) -> dict[str, Any]:
        """The GP mapping: one full-name column, titles and all."""
        return {
            "source": {"encoding": "cp1252", "delimiter": ","},
            "fields": {
                "record_id": "PatientID",
                "full_name": "PatientName",
                "date_of_birth": {"column": "DOB", "format": "%d/%m/%Y"},
                "sex": {"column": "Sex", "codes": {"M": "male", "F": "female", "U": "not_known"}},
                "nhs_number": "NHSNumber",
                "postcode": "PostCode",
                "address": ["Address1", "Address2", "Town"],
                "phone": "Telephone",
                "email": "Email",
            },
            "attributes": ["RegisteredDate"],
        }

    def write(self, rec: Recorded) -> str:
        """Add one patient."""
        self._count += 1
        record_id = f"G{self._count:06d}"
        forenames = " ".join(n for n in (rec.title, rec.given_name, rec.middle_names) if n)
        address1, address2, town = self._address(rec)
        registered = self._recent_date(rec.date_of_birth, 30)
        row = (
            record_id, f"{rec.family_name.upper()}, {forenames}", _dmy(rec.date_of_birth),
            self._SEX[rec.sex], rec.nhs_number, rec.postcode, address1, address2, town,
            rec.phone, rec.email, _dmy(registered),
        )  # fmt: skip
        cells = [to_cp1252(value) for value in row]
        if rec.broken_row:
            # A broken export: an unquoted comma in the street splits it into two cells,
            # so the row has one column too many and must be quarantined, not misread.
            cells[6:7] = cells[6].split(" ", 1) if " " in cells[6] else [cells[6], ""]
        self._writer.writerow(cells)
        return record_id

    @staticmethod
    def _address(rec: Recorded) -> tuple[str, str, str]:
        street = _street_line(rec)
        if rec.address_newline:
            # The whole address pasted into one box: the town moves into Address1.
            lines = [line for line in (rec.flat, street, rec.town) if line]
            return "\n".join(lines[:2]), "", "\n".join(lines[2:])
        if rec.flat:
            return rec.flat, street, rec.town
        return street, "", rec.town

    def close(self) -> None:
        """Flush and close the CSV."""
        self._file.close()


# --- hospital: an Excel workbook from the patient administration system ----------------

WARDS = ("AMU", "Ward 4", "Ward 7B", "Ward 12", "Ward 21", "ITU", "CCU", "Day Surgery")


class HospitalWriter(ExtractWriter):
    """``hospital.xlsx``: sheet ``Admissions``, one row per patient (MRN)."""

    organisation = "hospital"
    filename = "hospital.xlsx"
    columns = (
        "MRN", "Forename", "Surname", "DOB", "SexCode", "NHS_No", "Postcode",
        "AddressLine1", "AddressLine2", "AdmissionDate", "Ward", "Admissions",
    )  # fmt: skip
    _SEX: ClassVar[dict[str, str]] = {"male": "1", "female": "2", "": ""}

    def __init__(self, out: Path, rng: random.Random, as_of: date) -> None:
        super().__init__(out, rng, as_of)
        import xlsxwriter  # on first use, not with the package

        self._book = xlsxwriter.Workbook(str(self.path), {"constant_memory": True})
        # A fixed creation time keeps the workbook byte-identical for a seed.
        self._book.set_properties({"created": datetime.combine(as_of, time())})
        self._sheet = self._book.add_worksheet("Admissions")
        self._date = self._book.add_format({"num_format": "dd/mm/yyyy"})
        self._sheet.write_row(0, 0, self.columns)
        self._mrn = 1_000_000

    @classmethod
    def mapping(cls) -> dict[str, Any]:
        """The hospital mapping: separate name columns, no phone or e-mail."""
        return {
            "source": {"sheet": "Admissions"},
            "fields": {
                "record_id": "MRN",
                "given_name": "Forename",
                "family_name": "Surname",
                "date_of_birth": {"column": "DOB", "format": "%d/%m/%Y"},
                "sex": {"column": "SexCode", "codes": {"1": "male", "2": "female"}},
                "nhs_number": "NHS_No",
                "postcode": "Postcode",
                "address": ["AddressLine1", "AddressLine2"],
            },
            "attributes": ["AdmissionDate", "Ward", "Admissions"],
        }

    def write(self, rec: Recorded) -> str:
        """Add one patient with their latest admission and how many they have had."""
        self._count += 1
        # MRNs are issued in order but with gaps, as merged or voided numbers leave.
        self._mrn += self._rng.randint(1, 3)
        mrn = f"RX{self._mrn:07d}"
        nhs = rec.nhs_number
        nhs_spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}" if len(nhs) == 10 else nhs
        line1 = ", ".join(part for part in (rec.flat, _street_line(rec)) if part)
        values = (
            mrn, rec.given_name.upper(), rec.family_name.upper(), _dmy(rec.date_of_birth),
            self._SEX[rec.sex], nhs_spaced, rec.postcode, line1, rec.town,
        )  # fmt: skip
        row = self._count
        for column, value in enumerate(values):
            if value:
                self._sheet.write_string(row, column, value)
        admitted = self._recent_date(rec.date_of_birth, 3)
        self._sheet.write_datetime(row, 9, datetime.combine(admitted, time()), self._date)
        self._sheet.write_string(row, 10, self._ward(rec.person, admitted))
        self._sheet.write_number(row, 11, 1 + int(self._rng.expovariate(0.9)))
        return mrn

    def _ward(self, person: Person, admitted: date) -> str:
        age = (admitted - person.date_of_birth).days // 365
        if age < 16:
            return "Children's Ward"
        if person.sex == "female" and age < 45 and self._rng.random() < 0.3:
            return "Maternity"
        return WARDS[int(self._rng.random() * len(WARDS))]

    def close(self) -> None:
        """Write the workbook out."""
        self._book.close()


# --- council: a SQLite database behind a residents' system ------------------------------

SERVICES = ("Council Tax", "Housing", "Adult Social Care", "Children's Services",
            "Blue Badge", "Housing Benefit", "Library", "Electoral Register")  # fmt: skip
_BATCH = 5_000


class CouncilWriter(ExtractWriter):
    """``council.sqlite``: table ``residents``, NULL where nothing was recorded."""

    organisation = "council"
    filename = "council.sqlite"
    columns = (
        "resident_ref", "first_name", "middle_name", "last_name", "date_of_birth", "gender",
        "nhs_no", "ni_number", "post_code", "house_number", "street", "town", "phone",
        "email", "service",
    )  # fmt: skip
    _GENDER: ClassVar[dict[str, str | None]] = {"male": "Male", "female": "Female", "": None}

    def __init__(self, out: Path, rng: random.Random, as_of: date) -> None:
        super().__init__(out, rng, as_of)
        self.path.unlink(missing_ok=True)
        self._db = sqlite3.connect(self.path)
        body = ", ".join(f"{c} TEXT" for c in self.columns[1:])
        self._db.execute(f"CREATE TABLE residents (resident_ref TEXT PRIMARY KEY, {body})")
        self._insert = (
            f"INSERT INTO residents ({', '.join(self.columns)}) "
            f"VALUES ({', '.join('?' for _ in self.columns)})"
        )
        self._pending: list[tuple[str | None, ...]] = []

    @classmethod
    def mapping(cls) -> dict[str, Any]:
        """The council mapping: a query, split names, NI numbers."""
        return {
            "source": {"query": f"SELECT {', '.join(cls.columns)} FROM residents"},
            "fields": {
                "record_id": "resident_ref",
                "given_name": "first_name",
                "middle_names": "middle_name",
                "family_name": "last_name",
                "date_of_birth": {"column": "date_of_birth", "format": "%Y-%m-%d"},
                "sex": {"column": "gender", "codes": {"Male": "male", "Female": "female"}},
                "nhs_number": "nhs_no",
                "ni_number": "ni_number",
                "postcode": "post_code",
                "address": ["house_number", "street", "town"],
                "phone": "phone",
                "email": "email",
            },
            "attributes": ["service"],
        }

    def write(self, rec: Recorded) -> str:
        """Add one resident."""
        self._count += 1
        ref = f"C-{self._count:05d}"
        house = ", ".join(part for part in (rec.flat, rec.house_number) if part)
        born = rec.date_of_birth.isoformat() if rec.date_of_birth else None
        values = (
            rec.given_name, rec.middle_names, rec.family_name, born,
            self._GENDER[rec.sex], rec.nhs_number, rec.ni_number, rec.postcode, house,
            rec.street, rec.town, rec.phone, rec.email, self._rng.choice(SERVICES),
        )  # fmt: skip
        self._pending.append((ref, *(value or None for value in values)))
        if len(self._pending) >= _BATCH:
            self._flush()
        return ref

    def _flush(self) -> None:
        self._db.executemany(self._insert, self._pending)
        self._pending.clear()

    def close(self) -> None:
        """Insert what is left, commit and close the database."""
        try:
            self._flush()
            self._db.commit()
        finally:
            self._db.close()


WRITERS: dict[str, type[ExtractWriter]] = {
    writer.organisation: writer for writer in (GpWriter, HospitalWriter, CouncilWriter)
}
