"""The true population: identifiers valid, names and ages shaped as promised, reproducible."""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.scenarios import SCENARIOS, ErrorRates, UnknownScenario, generate
from accord.scenarios.errors import InvalidPopulationSize, InvalidRate, UnknownOrganisation
from accord.scenarios.population import (
    ACCENTED_FAMILY_NAMES,
    ACCENTED_GIVEN_NAMES,
    PUNCTUATED_FAMILY_NAMES,
    Population,
    is_valid_nhs_number,
    nhs_check_digit,
)

AS_OF = date(2025, 6, 30)
SCENARIO = "gp-hospital-council"
POSTCODE = re.compile(
    r"^[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" [0-9][ABD-HJLNP-UW-Z]{2}$"
)
NI_NUMBER = re.compile(
    r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$"
)
UK_PHONE = re.compile(r"^0(7\d{3} \d{6}|2\d \d{4} \d{4}|1\d{2} \d{3} \d{4})$")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    out = tmp_path_factory.mktemp("population")
    generate(SCENARIO, 3000, out, seed=11, organisations=[], as_of=AS_OF)
    return read_csv(out / "population.csv")


def test_nhs_check_digit_matches_a_known_number() -> None:
    assert nhs_check_digit("943476591") == 9
    assert is_valid_nhs_number("9434765919")
    assert not is_valid_nhs_number("9434765918")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_a_body_either_gets_a_check_digit_that_validates_or_none(body: str) -> None:
    check = nhs_check_digit(body)
    if check is None:
        assert not any(is_valid_nhs_number(f"{body}{d}") for d in range(10))
    else:
        assert is_valid_nhs_number(f"{body}{check}")


def test_every_nhs_number_is_valid_and_unique(people: list[dict[str, str]]) -> None:
    numbers = [p["nhs_number"] for p in people]
    assert all(is_valid_nhs_number(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)


def test_every_ni_number_follows_the_rules_and_is_unique(people: list[dict[str, str]]) -> None:
    numbers = [p["ni_number"] for p in people]
    assert all(NI_NUMBER.match(n) for n in numbers), [n for n in numbers if not NI_NUMBER.match(n)]
    assert len({n[:8] for n in numbers}) == len(numbers)
    assert len({n[:2] for n in numbers}) > 100


def test_every_postcode_and_phone_is_uk_format(people: list[dict[str, str]]) -> None:
    assert all(POSTCODE.match(p["postcode"]) for p in people)
    assert all(UK_PHONE.match(p["phone"]) for p in people), [
        p["phone"] for p in people if not UK_PHONE.match(p["phone"])
    ]
    assert all(re.match(r"^[a-z0-9._]+@[a-z.]+$", p["email"]) for p in people)


def test_dates_of_birth_span_the_ages(people: list[dict[str, str]]) -> None:
    born = [date.fromisoformat(p["date_of_birth"]) for p in people]
    assert min(born) >= date(1925, 1, 1)
    assert max(born) <= AS_OF
    ages = Counter((AS_OF.year - b.year) // 10 for b in born)
    # Every decade of life up to the eighties is well represented, the nineties thinly.
    assert all(ages[decade] > 150 for decade in range(8))
    assert 0 < ages[9] < ages[5]


def test_sex_id_and_twin_columns(people: list[dict[str, str]]) -> None:
    assert {p["sex"] for p in people} == {"male", "female"}
    assert [p["person_id"] for p in people][:2] == ["P0000001", "P0000002"]
    assert len({p["person_id"] for p in people}) == len(people)


def test_common_accented_and_punctuated_names_are_present(people: list[dict[str, str]]) -> None:
    family = Counter(p["family_name"] for p in people)
    given = Counter(p["given_name"] for p in people)
    # 8% are drawn from five common names (1.6% each), against 0.2% for a typical name.
    assert all(family[name] > 25 for name in ("Smith", "Jones", "Williams", "Taylor", "Brown"))
    assert all(given[name] > 25 for name in ("John", "David", "Sarah", "Emma"))
    accented = {*ACCENTED_GIVEN_NAMES["male"], *ACCENTED_GIVEN_NAMES["female"]}
    assert sum(given[name] for name in accented) > 30
    assert sum(family[name] for name in ACCENTED_FAMILY_NAMES) > 5
    punctuated = sum(n for name, n in family.items() if "'" in name or "-" in name)
    assert punctuated > 40
    assert any(name in family for name in PUNCTUATED_FAMILY_NAMES)


def test_twins_share_birth_family_and_address(tmp_path: Path) -> None:
    rates = ErrorRates(twins=0.3)
    generate(SCENARIO, 400, tmp_path, seed=5, organisations=[], rates=rates, as_of=AS_OF)
    people = {p["person_id"]: p for p in read_csv(tmp_path / "population.csv")}
    twins = [p for p in people.values() if p["twin_of"]]
    assert 100 < len(twins) < 250
    for person in twins:
        other = people[person["twin_of"]]
        assert other["twin_of"] == person["person_id"]
        for column in ("date_of_birth", "family_name", "postcode", "address"):
            assert other[column] == person[column]
        assert other["given_name"] != person["given_name"]
        assert other["nhs_number"] != person["nhs_number"]


def test_no_twins_at_rate_zero() -> None:
    people = list(Population(1, ErrorRates(twins=0.0), AS_OF).people(500))
    assert not any(p.twin_of for p in people)
    assert len(people) == 500


def test_population_size_is_exact_even_with_twins() -> None:
    for count in (0, 1, 2, 3, 57):
        people = list(Population(2, ErrorRates(twins=0.9), AS_OF).people(count))
        assert len(people) == count


def test_same_seed_same_bytes_and_different_seed_different(tmp_path: Path) -> None:
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        generate(SCENARIO, 300, tmp_path / name, seed=seed, as_of=AS_OF)
    for file in ("population.csv", "gp.csv", "truth.csv", "hospital.xlsx"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
        assert (tmp_path / "a" / file).read_bytes() != (tmp_path / "c" / file).read_bytes()


def test_an_extract_does_not_depend_on_which_others_are_generated(tmp_path: Path) -> None:
    generate(SCENARIO, 300, tmp_path / "all", seed=3, as_of=AS_OF)
    generate(SCENARIO, 300, tmp_path / "gp", seed=3, organisations=["gp"], as_of=AS_OF)
    for file in ("population.csv", "gp.csv"):
        assert (tmp_path / "all" / file).read_bytes() == (tmp_path / "gp" / file).read_bytes()
    assert not (tmp_path / "gp" / "hospital.xlsx").exists()


def test_result_lists_files_and_counts(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    result = generate(SCENARIO, 250, tmp_path, seed=1, progress=lambda *a: calls.append(a))
    assert calls[-1] == ("people", 250, 250)
    assert all(path.exists() for path in result.files)
    assert {p.name for p in result.files} == {
        "population.csv", "truth.csv", "gp.csv", "gp.mapping.yaml", "hospital.xlsx",
        "hospital.mapping.yaml", "council.sqlite", "council.mapping.yaml",
    }  # fmt: skip
    assert set(result.records) == {"gp", "hospital", "council"}
    assert 190 < result.records["gp"] < 245
    assert 70 < result.records["hospital"] < 130
    assert 120 < result.records["council"] < 180


def test_no_people_gives_headers_only(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    result = generate(
        SCENARIO, 0, tmp_path, organisations=["gp"], progress=lambda *a: calls.append(a)
    )
    assert calls == [("people", 0, 0)]
    assert result.records == {"gp": 0}
    assert read_csv(tmp_path / "population.csv") == []
    assert (tmp_path / "gp.csv").read_bytes().startswith(b"PatientID,PatientName,")


def test_unknown_scenario_names_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownScenario, match="gp-hospital-council") as caught:
        generate("flood", 10, tmp_path)
    assert isinstance(caught.value, ValueError)
    assert caught.value.valid == SCENARIOS
    assert not any(tmp_path.iterdir())


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnknownOrganisation, match="police"):
        generate(SCENARIO, 10, tmp_path, organisations=["gp", "police"])
    with pytest.raises(InvalidPopulationSize):
        generate(SCENARIO, -1, tmp_path)
    with pytest.raises(InvalidRate, match="nickname"):
        ErrorRates(nickname=1.5)
    with pytest.raises(InvalidRate, match="twins"):
        replace(ErrorRates(), twins=-0.1)


def test_without_errors_zeroes_only_error_rates() -> None:
    rates = ErrorRates.without_errors(nickname=0.5)
    assert rates.nickname == 0.5
    assert all(getattr(rates, n) == 0 for n in ErrorRates.names("error") if n != "nickname")
    assert rates.gp_coverage == ErrorRates().gp_coverage
    assert rates.twins == ErrorRates().twins


def test_every_rate_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "scenarios.md").read_text(encoding="utf-8")
    missing = [name for name in ErrorRates.names() if f"`{name}`" not in docs]
    assert not missing, f"rates missing from docs/scenarios.md: {missing}"


def test_every_phone_is_a_valid_gb_number(people: list[dict[str, str]]) -> None:
    invalid = [
        p["phone"]
        for p in people
        if not phonenumbers.is_valid_number(phonenumbers.parse(p["phone"], "GB"))
    ]
    assert invalid == []
