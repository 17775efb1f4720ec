"""An agreement against the real world: the privacy presets, and the provider's datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.agreements import (
    AgreementInvalid,
    dataset_columns,
    dataset_problems,
    parse,
    preset_problems,
    sign_in_workspace,
    suppression_presets,
)
from accord.privacy import PRESETS
from tests.agreements.support import example, example_data, list_of, provider


def test_the_shipped_example_names_real_presets() -> None:
    agreement = example()
    assert preset_problems(agreement) == []
    assert {d.suppression for d in agreement.datasets} - {None} <= set(PRESETS)


def test_an_unknown_preset_is_named_with_the_known_ones() -> None:
    data = example_data()
    data["datasets"][1]["suppression"] = "nhs-small-numbers"
    assert preset_problems(parse(data)) == [(
        "datasets.1.suppression",
        f"'nhs-small-numbers' is not a suppression preset (known: {', '.join(sorted(PRESETS))})",
    )]  # fmt: skip


def test_the_example_fits_the_datasets_its_providers_hold(tmp_path: Path, store_url: str) -> None:
    for org in ("gp", "hospital"):
        ws = provider(tmp_path, org, store_url if org == "gp" else None)
        assert dataset_problems(ws, example(), org) == []
        ws.close()


def test_a_node_checks_only_the_datasets_it_provides(tmp_path: Path, store_url: str) -> None:
    hospital = provider(tmp_path, "hospital", store_url)
    data = example_data()
    data["datasets"][0]["fields"][0]["name"] = "not_a_column"  # the gp's dataset
    assert dataset_problems(hospital, parse(data), "hospital") == []
    problems = dataset_problems(hospital, parse(data), "gp")
    assert problems[0][0] == "datasets.0.name"
    assert "holds no such dataset; ingest it" in problems[0][1]
    hospital.close()


def test_signing_names_every_misfit_and_stores_nothing(tmp_path: Path, store_url: str) -> None:
    hospital = provider(tmp_path, "hospital", store_url)
    data = example_data()
    data["datasets"][1]["fields"][2]["name"] = "admision_date"
    data["datasets"][1]["quasi_identifiers"] = ["admision_date"]
    data["datasets"][1]["suppression"] = "nhs-small-numbers"
    with pytest.raises(AgreementInvalid) as caught:
        sign_in_workspace(hospital, parse(data))
    assert [where for where, _ in caught.value.problems] == [
        "datasets.1.suppression", "datasets.1.fields.2.name"]  # fmt: skip
    assert "(closest: admission_date, admissions)" in caught.value.problems[1][1]
    assert str(caught.value).startswith("cannot sign gp-hospital-admission-risk v1: ")
    assert list_of(hospital) == []
    hospital.close()


def test_the_presets_offered_are_privacy_s() -> None:
    presets = suppression_presets()
    assert list(presets) == sorted(PRESETS)
    assert all(presets.values())


def test_the_columns_offered_are_the_newest_snapshot_s_standard_ones(
    tmp_path: Path, store_url: str
) -> None:
    ws = provider(tmp_path, "hospital", store_url)
    columns = dataset_columns(ws, "admissions")
    assert columns is not None
    assert {"record_id", "nhs_number", "admission_date", "ward", "admissions"} <= set(columns)
    assert not any(c.endswith(("_raw", "_issue")) for c in columns)
    assert dataset_columns(ws, "no-such-dataset") is None
    ws.close()
