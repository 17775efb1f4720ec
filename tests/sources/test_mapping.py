"""Mapping files: the documented form loads; every mistake is refused naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.sources import MappingError, ingest, load_mapping
from accord.store import Workspace, is_name
from tests.sources.support import NAMES, leftovers, mapping, store_counts, write

SPLIT_NAME = """\
source: {encoding: cp1252, delimiter: ","}
fields:
  record_id: PatientID
  full_name: patient_name
  date_of_birth: {column: birth_date, format: "%d/%m/%Y"}
  sex: {column: sex_code, codes: {"1": male, "2": female}}
  nhs_number: NHSNo
  postcode: PostCode
  address: [AddressLine1, AddressLine2]
attributes: [ward, admission_date]
"""

NAME_PARTS = """\
source: {encoding: cp1252, delimiter: ","}
fields:
  record_id: PatientID
  given_name: Forename
  family_name: Surname
  date_of_birth: {column: birth_date, format: infer}
  sex: {column: sex_code, codes: {"1": male, "2": female}}
  nhs_number: NHSNo
  postcode: PostCode
  address: [AddressLine1, AddressLine2]
attributes: [ward, admission_date]
"""


def test_the_documented_form_with_a_full_name_loads(tmp_path: Path) -> None:
    loaded = load_mapping(mapping(tmp_path, SPLIT_NAME))

    assert loaded.source.encoding == "cp1252"
    assert loaded.source.delimiter == ","
    assert loaded.date_format == "%d/%m/%Y"
    assert loaded.sex_codes == {"1": "male", "2": "female"}
    assert loaded.fields["address"].columns == ["AddressLine1", "AddressLine2"]
    assert loaded.required == ["record_id"]
    assert loaded.source_columns() == [
        "PatientID", "patient_name", "birth_date", "sex_code", "NHSNo", "PostCode",
        "AddressLine1", "AddressLine2", "ward", "admission_date",
    ]  # fmt: skip


def test_the_documented_form_with_name_parts_loads(tmp_path: Path) -> None:
    loaded = load_mapping(mapping(tmp_path, NAME_PARTS))

    assert loaded.fields["given_name"].columns == ["Forename"]
    assert loaded.fields["family_name"].columns == ["Surname"]
    assert loaded.date_format is None  # "infer"
    assert loaded.attributes == {"ward": "ward", "admission_date": "admission_date"}


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ("[RegisteredDate, Ward]", {"registered_date": "RegisteredDate", "ward": "Ward"}),
        ("['Date admitted', 'Né le', NHS_No]",
         {"date_admitted": "Date admitted", "ne_le": "Né le", "nhs_no": "NHS_No"}),
        ("[{registered: RegisteredDate}, Ward]",
         {"registered": "RegisteredDate", "ward": "Ward"}),
        ("{registered: RegisteredDate, ward_name: Ward}",
         {"registered": "RegisteredDate", "ward_name": "Ward"}),
        ("[{date_jp: 日付}]", {"date_jp": "日付"}),
    ],
)  # fmt: skip
def test_attributes_get_canonical_names_agreements_can_use(
    tmp_path: Path, attributes: str, expected: dict[str, str]
) -> None:
    loaded = load_mapping(mapping(tmp_path, NAMES + f"attributes: {attributes}\n"))
    assert loaded.attributes == expected
    assert all(is_name(name) for name in loaded.attributes)
    assert loaded.source_columns()[-len(expected) :] == list(expected.values())


@pytest.mark.parametrize(
    ("attributes", "says"),
    [
        ("[Ward, ward]",
         "'Ward' and 'ward' would both be 'ward'; name one with {other_name: 'ward'}"),
        ("[AdmissionDate, admission_date]", "would both be 'admission_date'"),
        ("[日付]", "column '日付' has no safe name of its own; give it one: {some_name: '日付'}"),
        ("[{Registered Date: x}]", "'Registered Date' is not a safe name"),
        ("{../x: Ward}", "'../x' is not a safe name"),
        ("[Postcode]", "['postcode'] clash with standard column names"),
        ("[{a: Ward}, {b: Ward}]", "['Ward'] listed more than once"),
    ],
)  # fmt: skip
def test_attribute_names_that_collide_or_are_unsafe_are_refused_by_name(
    tmp_path: Path, attributes: str, says: str
) -> None:
    path = mapping(tmp_path, NAMES + f"attributes: {attributes}\n")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert f"{path}: attributes: " in str(caught.value)
    assert says in str(caught.value)


# (what is wrong, the mapping, the key the message must name)
REFUSED = [
    pytest.param(
        NAMES.replace("last\n", "last\n  shoe_size: shoes\n"), "fields.shoe_size",
        id="unknown-field",
    ),
    pytest.param(
        NAMES + "  date_of_birth: {column: dob, format: '%d/%m'}\n",
        "fields.date_of_birth.format", id="date-format-without-year",
    ),
    pytest.param(
        NAMES + "  date_of_birth: {column: dob, format: '%Q-%d'}\n",
        "fields.date_of_birth.format", id="date-format-not-strptime",
    ),
    pytest.param(
        NAMES.replace("first\n", "[first, second]\n"), "fields.given_name.column",
        id="several-columns-for-a-name",
    ),
    pytest.param(
        NAMES + "  sex: {column: s, codes: {'1': male, '3': robot}}\n",
        "fields.sex.codes.3", id="code-to-unknown-sex",
    ),
    pytest.param(
        NAMES + "  nhs_number: {column: n, format: '%d/%m/%Y'}\n",
        "fields.nhs_number.format", id="format-on-a-non-date",
    ),
    pytest.param(
        NAMES + "  postcode: {column: p, codes: {'1': male}}\n",
        "fields.postcode.codes", id="codes-on-a-non-sex",
    ),
    pytest.param(NAMES + "shoes: [left]\n", "shoes: unknown key", id="unknown-top-level-key"),
    pytest.param(
        "source: {sheet: x, colour: red}\n" + NAMES, "source.colour: unknown key",
        id="unknown-source-option",
    ),
    pytest.param(
        "source: {encoding: klingon}\n" + NAMES, "source.encoding", id="unknown-encoding"
    ),
    pytest.param(
        "fields:\n  given_name: first\n", "fields.record_id", id="record-id-unmapped"
    ),
    pytest.param(
        NAMES + "  full_name: name\n", "fields.full_name", id="full-name-and-parts"
    ),
    pytest.param(NAMES + "required: [email]\n", "required", id="required-not-mapped"),
    pytest.param(NAMES + "attributes: [Postcode]\n", "attributes", id="attribute-clash"),
    pytest.param(NAMES + "attributes: [ward, ward]\n", "attributes", id="attribute-twice"),
    pytest.param("fields: [id, first]\n", "fields", id="fields-not-a-mapping"),
    pytest.param("fields:\n  record_id: ''\n", "fields.record_id", id="empty-column-name"),
    pytest.param("fields:\n  record_id: id\n  address: []\n", "fields.address", id="no-columns"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key"), REFUSED)
def test_a_mistake_is_refused_naming_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = mapping(tmp_path, text)

    with pytest.raises(MappingError) as caught:
        load_mapping(path)

    assert f"{path}: {key}" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("fields: {record_id: [unclosed\n", id="unclosed-bracket"),
        pytest.param("fields:\n  record_id: id\n\tgiven_name: x\n", id="tab-indent"),
    ],
)
def test_text_that_is_not_yaml_is_refused(tmp_path: Path, text: str) -> None:
    path = mapping(tmp_path, text)

    with pytest.raises(MappingError, match="not valid YAML") as caught:
        load_mapping(path)

    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize("text", ["", "- a list\n", "just words\n"])
def test_yaml_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str) -> None:
    path = mapping(tmp_path, text)

    with pytest.raises(MappingError, match="must be a YAML mapping"):
        load_mapping(path)


def test_a_missing_mapping_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read mapping file"):
        load_mapping(tmp_path / "nowhere.yaml")


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = mapping(tmp_path, "fields:\n  record_id: id\n  sex: {column: s, codes: {a: x, b: y}}\n")

    with pytest.raises(MappingError) as caught:
        load_mapping(path)

    assert f"{path}: fields.sex.codes.a" in str(caught.value)
    assert f"{path}: fields.sex.codes.b" in str(caught.value)


def test_a_missing_column_is_refused_before_any_row_is_read(
    workspace: Workspace, tmp_path: Path
) -> None:
    # The second row would be quarantined if it were ever read.
    source = write(tmp_path / "people.csv", "id,first,surname\n1,Ann,Smith\n2,Bob\n")
    path = mapping(tmp_path, NAMES)

    with pytest.raises(MappingError) as caught:
        ingest(workspace, str(source), path, "people")

    message = str(caught.value)
    assert f"{path}: fields.family_name: column 'last' is not in {source}" in message
    assert "'surname'" in message  # the columns that are there
    assert store_counts(workspace) == {
        "datasets": 0, "snapshots": 0, "quarantine": 0, "field_stats": 0
    }  # fmt: skip
    assert leftovers(workspace) == []


def test_a_missing_attribute_column_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    source = write(tmp_path / "people.csv", "id,first,last\n1,Ann,Smith\n")
    path = mapping(tmp_path, NAMES + "attributes: [ward]\n")

    with pytest.raises(MappingError, match=r"attributes: column 'ward' is not in"):
        ingest(workspace, str(source), path, "people")

    assert store_counts(workspace)["snapshots"] == 0


def test_a_source_option_for_another_format_names_file_and_key(
    workspace: Workspace, tmp_path: Path
) -> None:
    source = write(tmp_path / "people.csv", "id,first,last\n1,Ann,Smith\n")
    path = mapping(tmp_path, "source: {sheet: Patients}\n" + NAMES)

    with pytest.raises(MappingError) as caught:
        ingest(workspace, str(source), path, "people")

    assert str(caught.value).startswith(f"{path}: source.sheet: does not apply to csv sources")
    assert store_counts(workspace)["datasets"] == 0
    assert leftovers(workspace) == []
