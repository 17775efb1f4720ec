"""``accord federation`` and ``accord init --node-id`` as a steward runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_commands import run


def test_an_authority_and_a_node_set_up_a_federation(tmp_path: Path) -> None:
    code, stdout, stderr = run(
        "federation",
        "init",
        str(tmp_path / "authority"),
        "--federation",
        "accord.example.nhs.uk",
        "--json",
    )
    assert code == 0, stderr
    key = json.loads(stdout)["trust_list_key"]
    code, stdout, stderr = run(
        "init", str(tmp_path / "gp"), "--node-name", "gp", "--node-id", "A81001", "--json"
    )
    assert (code, json.loads(stdout)["node_id"]) == (0, "A81001"), stderr
    code, _, stderr = run(
        "federation",
        "add",
        "A81001",
        "--org",
        "gp",
        "--name",
        "Riverside Medical Practice",
        "--url",
        "https://gp.example.nhs.uk/",
        "--key",
        str(tmp_path / "gp" / "keys" / "node.pub"),
        "--role",
        "recipient",
        "--role",
        "provider",
        "-a",
        str(tmp_path / "authority"),
    )
    assert code == 0, stderr
    listed = tmp_path / "trust-list.json"
    code, stdout, stderr = run(
        "federation", "publish", "-a", str(tmp_path / "authority"), "-o", str(listed), "--json"
    )
    assert (code, json.loads(stdout)["serial"]) == (0, 1), stderr
    with (tmp_path / "gp" / "accord.toml").open("a") as fh:
        fh.write(f'trust_list_url = "{listed}"\ntrust_list_key = "{key}"\n')
    code, stdout, stderr = run("federation", "fetch", "-w", str(tmp_path / "gp"), "--json")
    assert code == 0, stderr
    fetched = json.loads(stdout)
    assert (fetched["outcome"], fetched["serial"]) == ("adopted", 1)
    [member] = fetched["members"]
    assert (member["node_id"], member["base_url"], member["roles"]) == (
        "A81001",
        "https://gp.example.nhs.uk",
        ["recipient", "provider"],
    )
    code, stdout, _ = run("federation", "show", "-w", str(tmp_path / "gp"))
    assert code == 0
    assert "serial 1" in stdout
    assert "A81001" in stdout


def test_a_node_id_is_an_organisation_s_code(tmp_path: Path) -> None:
    code, _, stderr = run("init", str(tmp_path / "gp"), "--node-id", "a81001")
    assert code == 2
    assert "--node-id 'a81001' is not a node id" in stderr
    assert not (tmp_path / "gp").exists()
