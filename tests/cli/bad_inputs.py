"""The bad inputs ``test_bad_input`` gives every command, and the files they name.

A :class:`World` is one node workspace with a dataset and an audit log, beside files
that are wrong in every way the issue lists (binary, truncated, nested 1,000 deep, an
alias bomb, duplicate keys, a million-column header, tables of counts that are not
counts …) and workspaces that cannot be opened (a corrupt ``accord.toml``, a store on a
closed port). :func:`cases` builds, for each command, the generic cases that apply to
it (an unknown option; a workspace that is a file, not a workspace, corrupt or
unreachable; a bad setting) and its own table of :data:`SPECIFIC` cases. Arguments are
written with ``{name}`` placeholders filled from :meth:`World.paths`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from accord.agreements import example_text
from accord.cli import app
from accord.store import open_workspace
from tests.agreements.support import ingest_example

runner = CliRunner()

PASSWORD = "hunter2-not-shown"
"""The password in the unreachable workspace's store URL: no message may show it."""
CLOSED_PORT_URL = f"postgresql+psycopg://accord:{PASSWORD}@127.0.0.1:1/accord"
AGREEMENT_ID = "gp-hospital-admission-risk"
NHS = "9434765919"
SHARE_ASKED = ("RX1", "-a", AGREEMENT_ID, "-d", "admissions", "--as-role", "care-coordinator")
SHARE_ASKED = (*SHARE_ASKED, "--case", "RISK-1")


@dataclass(frozen=True)
class Bad:
    """One bad input: the arguments, what the message must name, the exit status."""

    id: str
    args: tuple[str, ...]
    names: tuple[str, ...]
    code: int = 2
    env: dict[str, str] = field(default_factory=dict)
    hidden: tuple[str, ...] = ()
    """Text the output must not hold (a password, a scratch folder)."""


def commands() -> dict[str, Any]:
    """Every command of the app by its path ("agreement sign"), enumerated from the app."""
    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, f"{path} {name}".strip())
        else:
            found[path] = command

    walk(typer.main.get_command(app), "")
    return found


def takes_workspace(command: Any) -> bool:
    return any("--workspace" in getattr(p, "opts", ()) for p in command.params)


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env=env)


@dataclass(frozen=True)
class World:
    root: Path
    store_url: str

    def paths(self) -> dict[str, str]:
        r = self.root
        names = {
            p.name.replace(".", "_").replace("-", "_"): str(p) for p in (r / "files").iterdir()
        }
        saved = {
            f"checkpoints_{p.name.replace('-', '_')}": str(p) for p in (r / "checkpoints").iterdir()
        }
        return {
            **names,
            **saved,
            "root": str(r),
            "ws": str(r / "ws"),
            "authority": str(r / "authority"),
            "other": str(r / "other"),
            "corrupt": str(r / "corrupt"),
            "unreachable": str(r / "unreachable"),
            "loose": str(r / "loose"),
            "plain_dir": str(r / "plain"),
            "out": str(r / "out"),
            # Fresh for each case, so no case finds what another left behind.
            "missing": str(r / "missing" / uuid.uuid4().hex / "x.csv"),
            "new": str(r / f"new-workspace-{uuid.uuid4().hex}"),
        }


def _write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def _ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return str(result.stdout)


BOMB_LEVELS = 9


def _bomb() -> str:
    """The billion laughs: nine lines whose last expands to 9^9 (387 million) values."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, BOMB_LEVELS)]
    return "\n".join(lines) + "\n"


def build(root: Path, store_url: str) -> World:
    """The world every case runs against (made once per store)."""
    files = root / "files"
    files.mkdir(parents=True)
    (root / "plain").mkdir()
    (root / "out").mkdir()
    _files(files)
    ws, other = root / "ws", root / "other"
    _ok("init", str(ws), "--node-name", "gp", "--store-url", store_url)
    _ok("init", str(other), "--node-name", "hospital")
    for node in (ws, other):
        _ok(
            "ingest",
            str(files / "people.csv"),
            "-m",
            str(files / "people.yaml"),
            "-d",
            "patients",
            "-w",
            str(node),
        )
    _ok("catalog", "describe", "patients", "--from", str(files / "description.yaml"), "-w", str(ws))
    _audit_files(files, ws, other)
    _ok("peer", "add", "hospital", "--key", str(other / "keys" / "node.pub"), "-w", str(ws))
    with open_workspace(ws) as node:  # the example's GP dataset, so the GP may sign it
        ingest_example(node, "gp")
    _ok("agreement", "sign", str(files / "agreement.yaml"), "-w", str(ws))
    _federation(root, files, ws, other)
    # A workspace whose settings file (which may hold a password) others can read.
    _ok("init", str(root / "loose"), "--node-name", "gp")
    (root / "loose" / "accord.toml").chmod(0o644)
    # Whole workspaces (keys and all) whose settings were broken, or whose store went down.
    for name, settings in (
        ("corrupt", 'node_name = "gp\nstore_url = 3\n'),
        ("unreachable", f'node_name = "gp"\nstore_url = "{CLOSED_PORT_URL}"\n'),
    ):
        _ok("init", str(root / name), "--node-name", "gp")
        _write(root / name, "accord.toml", settings)
    return World(root, store_url)


def _federation(root: Path, files: Path, ws: Path, other: Path) -> None:
    """An authority with the hospital as a member, its list published in ``files`` (and
    one altered after signing), pinned and adopted by the GP's workspace."""
    made = json.loads(_ok("federation", "init", str(root / "authority"), "--federation",
                          "accord.example.nhs.uk", "--json"))  # fmt: skip
    _ok("federation", "add", "RX1", "--org", "hospital", "--name", "Riverside Hospitals", "--url",
        "http://127.0.0.1:8102", "--key", str(other / "keys" / "node.pub"), "--role", "provider",
        "-a", str(root / "authority"))  # fmt: skip
    listed = files / "trust-list.json"
    _ok("federation", "publish", "-a", str(root / "authority"), "-o", str(listed))
    document = json.loads(listed.read_text(encoding="utf-8"))
    document["members"][0]["base_url"] = "http://attacker.example"
    _write(files, "altered-trust-list.json", json.dumps(document))
    with (ws / "accord.toml").open("a", encoding="utf-8") as fh:
        fh.write(f'trust_list_key = "{made["trust_list_key"]}"\n')
    _ok("federation", "fetch", "--from", str(listed), "-w", str(ws))


def _files(files: Path) -> None:
    _write(
        files,
        "people.csv",
        f"id,first,last,nhs,dob\n1,Ann,Lee,{NHS},1980-02-29\n2,Bob,Ray,4010232137,1975-06-01\n",
    )
    _write(
        files,
        "people.yaml",
        "fields:\n  record_id: id\n  given_name: first\n"
        "  family_name: last\n  nhs_number: nhs\n  date_of_birth: dob\n",
    )
    _write(files, "ids-only.yaml", "fields:\n  record_id: id\n")
    _write(files, "query.yaml", "source:\n  query: SELECT * FROM nope\nfields:\n  record_id: id\n")
    _write(files, "not-a-database.sqlite", b"\x00\xff\xfe not SQLite")
    _write(files, "not-a-workbook.xlsx", b"\x00\xff\xfe not a zip")
    _write(files, "binary.bin", b"\x00\xff\xfe\x00\x89PNG\r\n\x1a\n" + bytes(range(256)))
    _write(files, "truncated.json", '{"format": "accord-audit-export/1", "entries": [{"ind')
    _write(files, "list.json", "[1, 2, 3]\n")
    _write(files, "deep.yaml", "a: " + "[" * 1000 + "]" * 1000 + "\n")
    _write(files, "bomb.yaml", _bomb())
    _write(
        files,
        "duplicate.yaml",
        "fields:\n  record_id: id\n  given_name: first\n  record_id: last\n",
    )
    _write(files, "not-yaml.yaml", "fields: [unclosed\n")
    _write(files, "wide.csv", ",".join(f"c{i}" for i in range(1_000_000)) + "\n1\n")
    _write(files, "counts-no-count.csv", "area,n\nA,3\n")
    _write(files, "counts-text.csv", "area,count\nA,10\nB,three\n")
    _write(files, "counts-negative.csv", "area,count\nA,10\nB,-3\n")
    _write(files, "counts-fraction.csv", "area,count\nA,10\nB,2.5\n")
    _write(files, "counts-blank.csv", "area,count\nA,10\nB,\n")
    _write(files, "truth.csv", "organisation,record_id,person_id\ngp,1,P1\nhospital,H1,P1\n")
    _write(files, "pairs.csv", "left_id,right_id,match_probability\n1,H1,0.99\n")
    _write(files, "labels-elsewhere.csv", "left_id,right_id,label\nX1,Y1,1\nX2,Y2,0\n")
    _write(files, "agreement.yaml", example_text())
    _write(
        files,
        "bad-id-agreement.yaml",
        example_text().replace(f"id: {AGREEMENT_ID}", "id: Not A Valid Id!"),
    )
    _write(
        files,
        "bad-reference.yaml",
        "checks:\n  - {type: in_reference, field: nhs_number, "
        "reference: people.csv, column: nhs_no}\n",
    )
    _write(files, "description.yaml", _description())
    _write(files, "secret.txt", "short")


def _description() -> str:
    return (
        "title: Registered patients\ndescription: Patients registered at the practice.\n"
        "owner:\n  organisation: Riverside Medical Practice\n"
        "  contact: {name: Data team, email: dpo@example.nhs.uk}\n"
        "collection_method: Registration forms\nupdate_frequency: monthly\n"
        "legal_basis: public task\nspecial_category: true\n"
    )


def _audit_files(files: Path, ws: Path, other: Path) -> None:
    """A good export and a tampered one; checkpoint folders with a binary file, another
    log's checkpoint and a checkpoint whose signature was altered."""
    export = files / "export.json"
    _ok("audit", "export", "--from", "0", "--to", "0", "-o", str(export), "-w", str(ws))
    document = json.loads(export.read_text(encoding="utf-8"))
    document["entries"][0]["entry"] = document["entries"][0]["entry"].replace('"', "'", 1)
    _write(files, "tampered-export.json", json.dumps(document))
    _write(files, "other-key.txt", _ok("audit", "key", "-w", str(other)))
    for name, note in (
        ("binary", b"\x00\xff\xfe"),
        ("other-log", _ok("audit", "checkpoint", "-w", str(other)).encode()),
        ("altered", _altered(_ok("audit", "checkpoint", "-w", str(ws)))),
        ("unsigned", b"gp\n1\nAAAA\n"),
    ):
        folder = files.parent / "checkpoints" / name
        folder.mkdir(parents=True)
        _write(folder, "1.checkpoint", note)


def _altered(note: str) -> bytes:
    """The note with one character of its signature changed (its key id kept)."""
    head, _, signature = note.rstrip("\n").rpartition(" ")
    i = len(signature) - 8
    changed = "A" if signature[i] != "A" else "B"
    return f"{head} {signature[:i]}{changed}{signature[i + 1 :]}\n".encode()


GOOD: dict[str, tuple[str, ...]] = {
    "ingest": ("{people_csv}", "-m", "{people_yaml}", "-d", "patients"),
    "datasets": (),
    "quarantine": ("patients",),
    "export": ("patients", "--out", "{out}/export.csv"),
    "quality": ("patients",),
    "optout register": (NHS,),
    "optout withdraw": (NHS,),
    "optout count": (),
    "audit verify": (),
    "audit checkpoint": (),
    "audit key": (),
    "audit export": ("--from", "0", "--to", "0", "-o", "{out}/export.json"),
    "audit person": (
        "--nhs-number",
        NHS,
        "--date-of-birth",
        "1980-02-29",
        "--dataset",
        "patients",
    ),
    "agreement new": ("{out}/next.yaml", "--amend", AGREEMENT_ID),
    "agreement sign": ("{agreement_yaml}",),
    "agreement activate": (AGREEMENT_ID,),
    "agreement suspend": (AGREEMENT_ID, "--reason", "review"),
    "agreement revoke": (AGREEMENT_ID, "--reason", "ended"),
    "agreement propose": (AGREEMENT_ID,),
    "agreement inbox": (),
    "agreement countersign": (AGREEMENT_ID,),
    "agreement decline": (AGREEMENT_ID, "--reason", "the purpose is too broad"),
    "agreement notify": (),
    "agreement show": (AGREEMENT_ID,),
    "agreement list": (),
    "agreement register": (),
    "agreement export": (AGREEMENT_ID,),
    "agreement decide": (
        "--requester",
        "hospital",
        "--purpose",
        "risk",
        "--dataset",
        "patients",
        "--fields",
        "nhs_number",
    ),
    "catalog list": (),
    "catalog describe": ("patients", "--from", "{description_yaml}"),
    "catalog show": ("patients",),
    "catalog export": ("patients", "--format", "dcat"),
    "agreement validate": ("{agreement_yaml}",),
    "agreement verify": ("{agreement_yaml}",),
    "agreement render": (AGREEMENT_ID, "--out", "{out}/agreement.html", "--force"),
    "agreement gateways": ("-p", "direct-care", "--party", "gp-practice", "--party", "nhs-trust"),
    "agreement gateway-rules": (),
    "peer add": ("hospital", "--key", "{other}/keys/node.pub", "--replace"),
    "peer list": (),
    "peer remove": ("council", "--reason", "the partnership ended"),
    "doctor": (),
    "serve": ("--port", "8799"),
    "federation fetch": ("--from", "{trust_list_json}"),
    "federation show": (),
    "share catalogue": ("RX1",),
    "audit fetch-checkpoint": ("RX1",),
    "audit prove": ("RX1", "--index", "0"),
    "audit witness": ("RX1",),
    "usage report": ("--month", "2026-12"),
    "share request": (*SHARE_ASKED,),
    "share lookup": (*SHARE_ASKED, "--nhs-number", NHS),
    "share list": (),
    "link": ("{people_csv}", "{people_csv}", "-m", "{people_yaml}", "--out", "{out}/pairs.csv"),
    "dedupe": ("{people_csv}", "-m", "{people_yaml}", "--out", "{out}/clusters.csv"),
    "user add": ("jo.bloggs", "--role", "steward"),
    "user reset": ("jo.bloggs",),
    "user disable": ("jo.bloggs",),
    "user enable": ("jo.bloggs",),
    "user roles": ("jo.bloggs", "--role", "analyst"),
    "user list": (),
}
"""Arguments that work, bar the workspace or setting a generic case breaks."""

STAFF = ("--as-role", "data steward", "--reason", "testing bad input")
STAFF_COMMANDS = {"quarantine", "export", "audit person", "optout register", "optout withdraw"}
"""Commands a member of staff runs with a role and a reason (recorded in the log): every
case gives them, so that what it tests is the other input, but the ones about them."""


STORELESS = {"audit key", "agreement gateways", "agreement gateway-rules"}
"""Workspace commands that never open the SQL store (the key is a file; the gateway
finder reads only the workspace's settings)."""
CHECKS_THE_WORKSPACE = {"doctor"}
"""Commands whose answer about a broken workspace is a finding (exit 1), not a failure."""


def _generic(path: str, command: Any) -> Iterator[Bad]:
    found = 1 if path in CHECKS_THE_WORKSPACE else 2
    words = tuple(path.split())
    yield Bad("unknown-option", (*words, "--no-such-option"), ("--no-such-option",))
    good = GOOD.get(path)
    if takes_workspace(command):
        assert good is not None, f"no good arguments for {path} in GOOD"
        yield Bad(
            "workspace-is-a-file",
            (*words, *good, "-w", "{binary_bin}"),
            ("binary.bin", "is a file"),
        )
        yield Bad(
            "workspace-not-initialised",
            (*words, *good, "-w", "{plain_dir}"),
            ("plain", "not an Accord workspace", "accord init"),
        )
        yield Bad(
            "workspace-settings-corrupt",
            (*words, *good, "-w", "{corrupt}"),
            ("corrupt/accord.toml", "not valid TOML", "line 1"),
            code=found,
        )
        if path not in STORELESS:
            yield Bad(
                "store-unreachable",
                (*words, *good, "-w", "{unreachable}"),
                ("cannot reach the SQL store", "127.0.0.1:1"),
                hidden=(PASSWORD,),
                code=found,
            )
        yield Bad(
            "bad-setting",
            (*words, *good, "-w", "{ws}"),
            ("ACCORD_CHUNK_ROWS", "many"),
            env={"ACCORD_CHUNK_ROWS": "many"},
            code=found,
        )
    elif good is not None:  # works outside a workspace but reads the settings
        yield Bad(
            "bad-setting",
            (*words, *good),
            ("ACCORD_DUCKDB_THREADS", "greater than"),
            env={"ACCORD_DUCKDB_THREADS": "0"},
        )


HUGE = "99999999999999999999999"


def _yaml_bombs(*before: str, after: tuple[str, ...] = ()) -> list[Bad]:
    """The YAML documents no loader may choke on, given where a YAML file goes."""
    return [
        Bad("yaml-nested-1000-deep", (*before, "{deep_yaml}", *after), ("deep.yaml", "64 levels")),
        Bad("yaml-alias-bomb", (*before, "{bomb_yaml}", *after), ("bomb.yaml", "100,000 values")),
        Bad(
            "yaml-duplicate-key",
            (*before, "{duplicate_yaml}", *after),
            ("duplicate.yaml", "line 4", "'record_id' twice", "line 2"),
        ),
        Bad("yaml-binary", (*before, "{binary_bin}", *after), ("binary.bin", "not UTF-8")),
        Bad("yaml-not-yaml", (*before, "{not_yaml_yaml}", *after), ("not-yaml.yaml", "line 2")),
    ]


W = ("-w", "{ws}")
AUTHORITY = ("-a", "{authority}")
ADD = (
    "federation",
    "add",
    "RX2",
    "--org",
    "hospital-two",
    "--name",
    "Riverside Hospital 2",
    "--url",
    "http://127.0.0.1:8103",
    "--key",
    "{other}/keys/node.pub",
    "--role",
    "provider",
)
OUT = "{out}/result.csv"
GATEWAYS = GOOD["agreement gateways"]
LINK = ("{people_csv}", "{people_csv}", "-m", "{people_yaml}")
DECIDE = ("agreement", "decide", *GOOD["agreement decide"])
PERSON = ("audit", "person", "--date-of-birth", "1980-02-29")

# fmt: off
SPECIFIC: dict[str, list[Bad]] = {
    "init": [
        Bad("a-file-not-a-folder", ("init", "{binary_bin}"), ("binary.bin", "is a file")),
        Bad("already-a-workspace", ("init", "{ws}"), ("ws", "already an Accord workspace")),
        Bad("store-url-nonsense", ("init", "{new}", "--store-url", "nonsense://x"),
            ("nonsense://x", "cannot use store URL")),
        Bad("store-unreachable", ("init", "{new}", "--store-url", CLOSED_PORT_URL),
            ("cannot reach the SQL store", "127.0.0.1:1"), hidden=(PASSWORD,)),
    ],
    "ingest": [
        *_yaml_bombs("ingest", "{people_csv}", "-d", "patients", "-m", after=W),
        Bad("mapping-is-a-folder", ("ingest", "{people_csv}", "-m", "{plain_dir}", "-d", "p", *W),
            ("plain", "Is a directory")),
        Bad("source-is-a-folder", ("ingest", "{plain_dir}", "-m", "{people_yaml}", "-d", "p", *W),
            ("plain", "is a folder")),
        Bad("source-missing", ("ingest", "{missing}", "-m", "{people_yaml}", "-d", "p", *W),
            ("/x.csv", "no such file")),
        Bad("header-a-million-columns", ("ingest", "{wide_csv}", "-m", "{people_yaml}", "-d", "p",
                                         *W), ("wide.csv", "header row", "1 MiB")),
        Bad("as-of-not-a-date", ("ingest", "{people_csv}", "-m", "{people_yaml}", "-d", "p",
                                 "--as-of", "22/11/2026", *W), ("--as-of", "22/11/2026")),
        Bad("source-binary", ("ingest", "{binary_bin}", "-m", "{people_yaml}", "-d", "p", *W),
            ("binary.bin",)),
        Bad("source-not-a-database", ("ingest", "{not_a_database_sqlite}", "-m", "{query_yaml}",
                                      "-d", "p", *W),
            ("not-a-database.sqlite", "file is not a database"), hidden=("sqlalche.me",)),
        Bad("query-names-no-table", ("ingest", "{people_csv}", "-m", "{query_yaml}", "-d", "p",
                                     *W), ("query",)),
        Bad("source-not-a-workbook", ("ingest", "{not_a_workbook_xlsx}", "-m", "{people_yaml}",
                                      "-d", "p", *W), ("not-a-workbook.xlsx", "workbook")),
    ],
    "datasets": [
        Bad("extra-argument", ("datasets", "extra", *W), ("unexpected extra argument", "extra")),
    ],
    "quarantine": [
        Bad("limit-huge", ("quarantine", "patients", "--limit", HUGE, *W),
            ("--limit", "less than or equal to 1000000")),
        Bad("limit-zero", ("quarantine", "patients", "--limit", "0", *W), ("--limit",)),
        Bad("version-huge", ("quarantine", "patients", "--version", HUGE, *W), ("--version",)),
        Bad("version-not-a-number", ("quarantine", "patients", "-v", "two", *W),
            ("--version", "integer")),
        Bad("unknown-dataset", ("quarantine", "nope", *W), ("'nope'", "accord datasets")),
        Bad("unknown-version", ("quarantine", "patients", "-v", "7", *W), ("7",)),
    ],
    "export": [
        Bad("version-huge", ("export", "patients", "--out", OUT, "--version", HUGE, *W),
            ("--version",)),
        Bad("unknown-dataset", ("export", "nope", "--out", OUT, *W), ("'nope'",)),
        Bad("out-is-a-folder", ("export", "patients", "--out", "{plain_dir}", *W), ("plain",)),
    ],
    "quality": [
        Bad("samples-huge", ("quality", "patients", "--samples", HUGE, *W), ("--samples",)),
        Bad("samples-negative", ("quality", "patients", "--samples", "-1", *W), ("--samples",)),
        Bad("version-huge", ("quality", "patients", "--version", HUGE, *W), ("--version",)),
        Bad("unknown-dataset", ("quality", "nope", *W), ("'nope'",)),
        *_yaml_bombs("quality", "patients", "--checklist", after=W),
        Bad("report-is-a-file", ("quality", "patients", "--report", "{binary_bin}", *W),
            ("binary.bin",)),
        Bad("reference-column-missing",
            ("quality", "patients", "--checklist", "{bad_reference_yaml}", *W),
            ("bad-reference.yaml", "checks[0].column", "'nhs_no'", "people.csv", "it has"),
            hidden=("Binder",)),
    ],
    "generate": [
        Bad("people-huge", ("generate", "gp-hospital-council", "--people", HUGE, "-o", "{out}/g"),
            ("--people",)),
        Bad("people-negative", ("generate", "gp-hospital-council", "--people", "-1"),
            ("--people",)),
        Bad("seed-negative", ("generate", "gp-hospital-council", "--seed", "-1"), ("--seed",)),
        Bad("unknown-scenario", ("generate", "mars-colony", "-o", "{out}/g"),
            ("mars-colony", "gp-hospital-council")),
        Bad("out-is-a-file", ("generate", "gp-hospital-council", "--people", "5", "-o",
                              "{binary_bin}"), ("binary.bin",)),
    ],
    "link": [
        Bad("out-missing-folder", ("link", *LINK, "--out", "{missing}"),
            ("/x.csv", "does not exist")),
        Bad("out-is-a-workspace-file", ("link", *LINK, "--out", "{ws}/accord.toml"),
            ("accord.toml", "workspace")),
        Bad("threshold-above-one", ("link", *LINK, "-o", OUT, "--threshold", "2"),
            ("--threshold",)),
        *_yaml_bombs("link", "{people_csv}", "{people_csv}", "-o", OUT, "-m"),
        Bad("labels-binary", ("link", *LINK, "-o", OUT, "--labels", "{binary_bin}"),
            ("binary.bin", "UTF-8")),
        Bad("labels-name-no-record", ("link", *LINK, "-o", OUT, "--labels",
                                      "{labels_elsewhere_csv}"),
            ("labels-elsewhere.csv", "none of its 2 labelled pairs")),
        Bad("secret-too-short", ("link", *LINK, "-o", OUT, "--secret-file", "{secret_txt}"),
            ("secret.txt", "at least")),
        Bad("nothing-to-compare", ("link", "{people_csv}", "{people_csv}", "-m",
                                   "{ids_only_yaml}", "-o", OUT),
            ("people.csv", "no field that linkage compares"), hidden=("accord-link-",)),
        Bad("as-of-not-a-date", ("link", *LINK, "-o", OUT, "--as-of", "yesterday"),
            ("--as-of", "yesterday")),
        Bad("report-is-a-file", ("link", *LINK, "-o", OUT, "--report", "{binary_bin}"),
            ("--report", "binary.bin")),
        Bad("ids-is-a-file", ("link", *LINK, "-o", OUT, "--ids", "{binary_bin}"),
            ("--ids", "binary.bin")),
        Bad("unknown-engine", ("link", *LINK, "-o", OUT, "--engine", "abacus"),
            ("abacus", "duckdb")),
        Bad("dataset-with-mapping", ("link", "dataset:patients", "{people_csv}", "-m",
                                     "{people_yaml}", "-o", OUT, "-w", "{ws}"),
            ("--mapping", "LEFT (dataset:patients)", "takes no mapping")),
        Bad("file-without-mapping", ("link", "dataset:patients", "{people_csv}", "-o", OUT,
                                     "-w", "{ws}"),
            ("give --mapping, or --right-mapping: RIGHT", "people.csv")),
        Bad("unknown-dataset", ("link", "dataset:patients", "dataset:nobody", "-o", OUT,
                                "-w", "{ws}"), ("dataset:nobody", "no dataset 'nobody'")),
        Bad("dataset-version-not-a-number", ("link", "dataset:patients@latest",
                                             "dataset:patients", "-o", OUT, "-w", "{ws}"),
            ("dataset:patients@latest", "version number")),
        Bad("dataset-name-invalid", ("link", "dataset:Patients", "dataset:patients", "-o",
                                     OUT, "-w", "{ws}"), ("dataset:Patients",)),
    ],
    "dedupe": [
        Bad("out-missing-folder", ("dedupe", "{people_csv}", "-m", "{people_yaml}", "--out",
                                   "{missing}"), ("/x.csv", "does not exist")),
        Bad("threshold-negative", ("dedupe", "{people_csv}", "-m", "{people_yaml}", "-o", OUT,
                                   "--threshold", "-1"), ("--threshold",)),
        *_yaml_bombs("dedupe", "{people_csv}", "-o", OUT, "-m"),
        Bad("secret-in-plaintext", ("dedupe", "{people_csv}", "-m", "{people_yaml}", "-o", OUT,
                                    "--secret-file", "{secret_txt}"), ("--secret-file",)),
        Bad("source-missing", ("dedupe", "{missing}", "-m", "{people_yaml}", "-o", OUT),
            ("/x.csv",)),
        Bad("dataset-with-mapping", ("dedupe", "dataset:patients", "-m", "{people_yaml}",
                                     "-o", OUT, "-w", "{ws}"),
            ("--mapping", "dataset:patients", "takes none")),
        Bad("file-without-mapping", ("dedupe", "{people_csv}", "-o", OUT),
            ("people.csv", "give its --mapping")),
        Bad("unknown-dataset", ("dedupe", "dataset:nobody", "-o", OUT, "-w", "{ws}"),
            ("dataset:nobody", "no dataset 'nobody'")),
        Bad("dataset-version-unknown", ("dedupe", "dataset:patients@99", "-o", OUT, "-w",
                                        "{ws}"), ("dataset:patients@99", "version 99")),
    ],
    "evaluate": [
        Bad("pairs-binary", ("evaluate", "{binary_bin}", "--truth", "{truth_csv}", "--left", "gp",
                             "--right", "hospital"), ("binary.bin", "UTF-8")),
        Bad("truth-truncated", ("evaluate", "{pairs_csv}", "--truth", "{truncated_json}",
                                "--left", "gp", "--right", "hospital"), ("truncated.json",)),
        Bad("pairs-a-folder", ("evaluate", "{plain_dir}", "--truth", "{truth_csv}", "--left",
                               "gp", "--right", "hospital"), ("plain",)),
        Bad("left-not-in-truth", ("evaluate", "{pairs_csv}", "--truth", "{truth_csv}", "--left",
                                  "police", "--right", "hospital"),
            ("'police'", "truth.csv", "gp, hospital")),
        Bad("right-not-in-truth", ("evaluate", "{pairs_csv}", "--truth", "{truth_csv}", "--left",
                                   "gp", "--right", "council"), ("'council'",)),
        Bad("truth-missing", ("evaluate", "{pairs_csv}", "--truth", "{missing}", "--left", "gp",
                              "--right", "hospital"), ("/x.csv",)),
    ],
    "protect": [
        Bad("count-column-missing", ("protect", "{counts_no_count_csv}", "--by", "area"),
            ("counts-no-count.csv", "no column count", "area, n")),
        Bad("count-text", ("protect", "{counts_text_csv}", "--by", "area"),
            ("counts-text.csv", "line 3", "'three'", "not a number")),
        Bad("count-negative", ("protect", "{counts_negative_csv}", "--by", "area"),
            ("line 3", "'-3'", "negative")),
        Bad("count-fraction", ("protect", "{counts_fraction_csv}", "--by", "area"),
            ("line 3", "'2.5'", "not a whole number")),
        Bad("count-blank", ("protect", "{counts_blank_csv}", "--by", "area"), ("line 3", "blank")),
        Bad("binary", ("protect", "{binary_bin}", "--by", "area"), ("binary.bin", "CSV")),
        Bad("dimension-missing", ("protect", "{counts_text_csv}", "--by", "region"),
            ("no column region",)),
        Bad("unknown-preset", ("protect", "{counts_text_csv}", "--by", "area", "--preset", "lax"),
            ("lax", "hes, tre")),
        Bad("table-a-folder", ("protect", "{plain_dir}", "--by", "area"), ("plain",)),
    ],
    "optout register": [
        Bad("placeholder-nhs-number", ("optout", "register", "0000000000", *W),
            ("'0000000000'", "placeholder")),
        Bad("test-range-nhs-number", ("optout", "register", "999 000 0018", *W),
            ("'999 000 0018'", "testing")),
        Bad("check-digit", ("optout", "register", "9434765918", *W), ("check digit",)),
        Bad("not-digits", ("optout", "register", "[a-z0-9]", *W), ("'[a-z0-9]'", "ten digits")),
        Bad("unknown-scheme", ("optout", "register", NHS, "--scheme", "local", *W),
            ("local", "national, objection")),
    ],
    "optout withdraw": [
        Bad("placeholder-nhs-number", ("optout", "withdraw", "1111111111", *W), ("placeholder",)),
        Bad("unknown-scheme", ("optout", "withdraw", NHS, "--scheme", "x", *W), ("'x'",)),
    ],
    "optout count": [
        Bad("extra-argument", ("optout", "count", "extra", *W), ("extra",)),
    ],
    "audit verify": [
        Bad("checkpoints-a-file", ("audit", "verify", "--checkpoints", "{binary_bin}", *W),
            ("binary.bin", "is a file")),
        Bad("checkpoints-missing", ("audit", "verify", "--checkpoints", "{missing}", *W),
            ("/x.csv", "does not exist")),
        Bad("checkpoint-binary", ("audit", "verify", "--checkpoints", "{checkpoints_binary}",
                                  *W), ("binary/1.checkpoint", "not UTF-8")),
        Bad("checkpoint-of-another-log",
            ("audit", "verify", "--checkpoints", "{checkpoints_other_log}", *W),
            ("other-log/1.checkpoint", "another log")),
        Bad("checkpoint-unsigned",
            ("audit", "verify", "--checkpoints", "{checkpoints_unsigned}", *W),
            ("unsigned/1.checkpoint", "not a signed checkpoint")),
        Bad("checkpoint-signature-altered",
            ("audit", "verify", "--checkpoints", "{checkpoints_altered}", *W),
            ("altered/1.checkpoint", "does not verify"), code=1),
    ],
    "audit checkpoint": [
        Bad("out-missing-folder", ("audit", "checkpoint", "--out", "{missing}", *W),
            ("/x.csv",)),
        Bad("out-is-a-folder", ("audit", "checkpoint", "--out", "{plain_dir}", *W), ("plain",)),
    ],
    "audit key": [
        Bad("extra-argument", ("audit", "key", "extra", *W), ("extra",)),
    ],
    "audit export": [
        Bad("from-huge", ("audit", "export", "--from", HUGE, "--to", "0", "-o", OUT, *W),
            ("--from",)),
        Bad("to-huge", ("audit", "export", "--from", "0", "--to", HUGE, "-o", OUT, *W),
            ("--to",)),
        Bad("to-beyond-the-log", ("audit", "export", "--from", "0", "--to", "99", "-o", OUT, *W),
            ("not all in the log",)),
        Bad("from-negative", ("audit", "export", "--from", "-1", "--to", "0", "-o", OUT, *W),
            ("--from",)),
        Bad("out-missing-folder", ("audit", "export", "--from", "0", "--to", "0", "-o",
                                   "{missing}", *W), ("/x.csv",)),
    ],
    "audit check": [
        Bad("binary", ("audit", "check", "{binary_bin}"), ("binary.bin", "not UTF-8")),
        Bad("truncated", ("audit", "check", "{truncated_json}"),
            ("truncated.json", "not valid JSON", "line 1")),
        Bad("not-an-export", ("audit", "check", "{list_json}"),
            ("list.json", "not an Accord audit export")),
        Bad("a-folder", ("audit", "check", "{plain_dir}"), ("plain", "is a directory")),
        Bad("tampered", ("audit", "check", "{tampered_export_json}"),
            ("entry 0", "does not verify"), code=1),
        Bad("signed-by-another-key", ("audit", "check", "{export_json}", "--key",
                                      "@{other_key_txt}"), ("checkpoint",), code=1),
        Bad("key-not-a-key", ("audit", "check", "{export_json}", "--key", "[a-z0-9]"),
            ("not a verifier key", "'[a-z0-9]'")),
    ],
    "audit person": [
        Bad("page-huge", (*PERSON, "--nhs-number", NHS, "--dataset", "patients", "--page", HUGE,
                          *W), ("--page",)),
        Bad("page-zero", (*PERSON, "--nhs-number", NHS, "--dataset", "patients", "--page", "0",
                          *W), ("--page",)),
        Bad("unknown-dataset", (*PERSON, "--nhs-number", NHS, "--dataset", "nope", *W),
            ("'nope'",)),
        Bad("unknown-person", (*PERSON, "--nhs-number", "123", "--dataset", "patients", *W),
            ("no person with that NHS number",)),
    ],
    "agreement new": [
        Bad("file-exists", ("agreement", "new", "{agreement_yaml}"), ("agreement.yaml", "exists")),
        Bad("amend-unknown", ("agreement", "new", "{out}/amended.yaml", "--amend", "nope", *W),
            ("'nope'",)),
        Bad("id-breaks-the-pattern", ("agreement", "new", "{out}/bad-id.yaml", "--id",
                                      "Not Valid [a-z]"), ("id", "Not Valid [a-z]")),
    ],
    "agreement validate": [
        *_yaml_bombs("agreement", "validate"),
        Bad("a-folder", ("agreement", "validate", "{plain_dir}"), ("plain", "is a directory")),
        Bad("missing", ("agreement", "validate", "{missing}"), ("/x.csv",)),
        Bad("id-breaks-the-pattern", ("agreement", "validate", "{bad_id_agreement_yaml}"),
            ("bad-id-agreement.yaml", "id")),
    ],
    "agreement sign": [
        *_yaml_bombs("agreement", "sign", after=W)[:3],
        Bad("missing", ("agreement", "sign", "{missing}", *W), ("/x.csv",)),
    ],
    "agreement verify": [
        *_yaml_bombs("agreement", "verify", after=W)[:3],
        Bad("key-not-org-equals-file", ("agreement", "verify", "{agreement_yaml}", "--key", "gp"),
            ("--key", "'gp'", "ORG=FILE")),
        Bad("unsigned", ("agreement", "verify", "{bad_id_agreement_yaml}", *W),
            ("bad-id-agreement.yaml",)),
        Bad("signed-by-one-party", ("agreement", "verify", "{agreement_yaml}", *W),
            ("hospital", "missing"), code=1),
        Bad("no-keys-and-no-workspace", ("agreement", "verify", "{agreement_yaml}", "-w",
                                         "{plain_dir}"), ("plain",)),
    ],
    "agreement activate": [
        Bad("unknown-id", ("agreement", "activate", "nope", *W), ("'nope'",)),
        Bad("version-huge", ("agreement", "activate", AGREEMENT_ID, "--version", HUGE, *W),
            ("--version",)),
        Bad("file-nested-1000-deep", ("agreement", "activate", "{deep_yaml}", *W),
            ("deep.yaml", "64 levels")),
    ],
    "agreement suspend": [
        Bad("unknown-id", ("agreement", "suspend", "nope", "--reason", "r", *W), ("'nope'",)),
        Bad("no-reason", ("agreement", "suspend", AGREEMENT_ID, *W), ("--reason",)),
        Bad("version-zero", ("agreement", "suspend", AGREEMENT_ID, "--reason", "r", "--version",
                             "0", *W), ("--version",)),
    ],
    "agreement revoke": [
        Bad("unknown-id", ("agreement", "revoke", "nope", "--reason", "r", *W), ("'nope'",)),
        Bad("version-huge", ("agreement", "revoke", AGREEMENT_ID, "--reason", "r", "--version",
                             HUGE, *W), ("--version",)),
    ],
    "agreement propose": [
        Bad("unknown-id", ("agreement", "propose", "nope", *W), ("'nope'", "agreement list"),
            env={"ACCORD_NODE_ID": "A81001"}),
        Bad("version-zero", ("agreement", "propose", AGREEMENT_ID, "--version", "0", *W),
            ("--version",)),
        Bad("no-node-id", ("agreement", "propose", AGREEMENT_ID, *W), ("no node id", "node_id")),
        Bad("not-in-the-trust-list", ("agreement", "propose", AGREEMENT_ID, *W),
            ("A81001", "is not in the federation's trust list"),
            env={"ACCORD_NODE_ID": "A81001"}),
    ],
    "agreement inbox": [
        Bad("an-id-it-does-not-take", ("agreement", "inbox", AGREEMENT_ID, *W),
            ("unexpected extra argument", AGREEMENT_ID)),
    ],
    "agreement countersign": [
        Bad("nothing-waiting", ("agreement", "countersign", AGREEMENT_ID, *W),
            (f"'{AGREEMENT_ID}'", "agreement inbox")),
        Bad("name-breaks-the-pattern", ("agreement", "countersign", "../X", *W), ("'../X'",)),
    ],
    "agreement decline": [
        Bad("no-reason", ("agreement", "decline", AGREEMENT_ID, *W), ("--reason",)),
        Bad("blank-reason", ("agreement", "decline", AGREEMENT_ID, "--reason", " ", *W),
            ("reason",)),
        Bad("nothing-waiting", ("agreement", "decline", "nope", "--reason", "r", *W),
            ("'nope'", "agreement inbox")),
    ],
    "agreement notify": [
        Bad("unknown-id", ("agreement", "notify", "nope", *W), ("'nope'", "agreement list")),
    ],
    "agreement show": [
        Bad("unknown-id", ("agreement", "show", "nope", *W), ("'nope'", "agreement list")),
        Bad("version-huge", ("agreement", "show", AGREEMENT_ID, "--version", HUGE, *W),
            ("--version",)),
    ],
    "agreement list": [
        Bad("extra-argument", ("agreement", "list", "extra", *W), ("extra",)),
    ],
    "agreement register": [
        Bad("unknown-format", ("agreement", "register", "--format", "pdf", *W),
            ("--format", "'pdf'")),
    ],
    "agreement export": [
        Bad("unknown-format", ("agreement", "export", AGREEMENT_ID, "--format", "xml", *W),
            ("--format", "'xml'")),
        Bad("no-id", ("agreement", "export", "--format", "odrl", *W), ("needs the agreement",)),
        Bad("unknown-id", ("agreement", "export", "nope", *W), ("'nope'",)),
        Bad("version-huge", ("agreement", "export", AGREEMENT_ID, "--version", HUGE, *W),
            ("--version",)),
    ],
    "agreement decide": [
        Bad("on-not-a-date", (*DECIDE, "--on", "tomorrow", *W), ("--on", "tomorrow"),
            hidden=("--as-of",)),
        Bad("kitemark-is-not-the-caller-s", (*DECIDE, "--kitemark", "gold", *W),
            ("--kitemark",)),
        Bad("version-without-agreement", (*DECIDE, "--version", "1", *W),
            ("--version needs --agreement",)),
        Bad("rows-negative", (*DECIDE, "--rows", "-5", *W), ("--rows",)),
        Bad("rows-huge", (*DECIDE, "--rows", HUGE, *W), ("--rows",)),
        Bad("denied", (*DECIDE, *W), ("DENY",), code=1),
    ],
    "catalog list": [
        Bad("extra-argument", ("catalog", "list", "extra", *W), ("extra",)),
    ],
    "agreement gateways": [
        *_yaml_bombs("agreement", "gateways", *GATEWAYS, "--rules"),
        Bad("unknown-purpose", ("agreement", "gateways", "-p", "troubled-families", "--party",
                                "police", "--party", "local-authority"),
            ("--purpose", "'troubled-families'", "multiple-disadvantages")),
        Bad("unknown-kind", ("agreement", "gateways", "-p", "emergencies", "--party", "council",
                             "--party", "police"), ("--party", "'council'", "local-authority")),
        Bad("one-party", ("agreement", "gateways", "-p", "emergencies", "--party", "police"),
            ("--party", "at least two")),
        Bad("no-purpose", ("agreement", "gateways", "--party", "police", "--party", "school"),
            ("--purpose",)),
        Bad("public-neither", ("agreement", "gateways", "-p", "emergencies", "--party",
                               "police:sometimes", "--party", "school"),
            ("--party", "KIND:public")),
        Bad("rules-missing", ("agreement", "gateways", *GATEWAYS, "--rules", "{missing}"),
            ("/x.csv", "cannot read")),
        Bad("rules-binary", ("agreement", "gateways", *GATEWAYS, "--rules", "{binary_bin}"),
            ("binary.bin",)),
        Bad("rules-a-list", ("agreement", "gateways", *GATEWAYS, "--rules", "{list_json}"),
            ("list.json", "(top level)", "expected a mapping")),
        Bad("rules-of-another-kind", ("agreement", "gateways", *GATEWAYS, "--rules",
                                      "{people_yaml}"), ("people.yaml", "fields", "not a list")),
    ],
    "agreement gateway-rules": [
        *_yaml_bombs("agreement", "gateway-rules", "--rules"),
        Bad("rules-not-yaml", ("agreement", "gateway-rules", "--rules", "{not_yaml_yaml}"),
            ("not-yaml.yaml", "not valid YAML")),
        Bad("rules-duplicate-key", ("agreement", "gateway-rules", "--rules", "{duplicate_yaml}"),
            ("duplicate.yaml", "record_id")),
        Bad("rules-missing", ("agreement", "gateway-rules", "--rules", "{missing}"),
            ("/x.csv", "cannot read")),
    ],
    "agreement render": [
        Bad("unknown-format", ("agreement", "render", AGREEMENT_ID, "--out", "{out}/a.doc",
                               "--format", "doc", *W), ("--format", "'doc'", "html, pdf")),
        Bad("no-out", ("agreement", "render", AGREEMENT_ID, *W), ("--out",)),
        Bad("unknown-id", ("agreement", "render", "nope", "--out", "{out}/nope.html", *W),
            ("'nope'",)),
        Bad("over-the-node-key", ("agreement", "render", AGREEMENT_ID, "--out",
                                  "{ws}/keys/node.key", "--force", *W),
            ("node.key", "workspace's own files")),
        Bad("file-nested-1000-deep", ("agreement", "render", "{deep_yaml}", "--out",
                                      "{out}/deep.html", *W), ("deep.yaml", "64 levels")),
    ],
    "user add": [
        Bad("unknown-role", ("user", "add", "jo", "--role", "boss", *W),
            ("'boss' is not a role", "steward, approver, auditor, analyst")),
        Bad("bad-account-name", ("user", "add", "Jo Bloggs!", "--role", "steward", *W),
            ("account name", "lower-case letters")),
        Bad("no-role", ("user", "add", "jo", *W), ("--role",)),
    ],
    "user disable": [
        Bad("unknown-account", ("user", "disable", "nobody", *W), ("no account named nobody",)),
    ],
    "user enable": [
        Bad("unknown-account", ("user", "enable", "nobody", *W), ("no account named nobody",)),
    ],
    "user reset": [
        Bad("unknown-account", ("user", "reset", "nobody", *W), ("no account named nobody",)),
    ],
    "user roles": [
        Bad("unknown-account", ("user", "roles", "nobody", "--role", "analyst", *W),
            ("no account named nobody",)),
        Bad("unknown-role", ("user", "roles", "jo", "--role", "boss", *W),
            ("'boss' is not a role",)),
    ],
    "user list": [
        Bad("extra-argument", ("user", "list", "everyone", *W), ("everyone",)),
    ],
    "peer add": [
        Bad("key-is-binary", ("peer", "add", "council", "--key", "{binary_bin}", *W),
            ("binary.bin",)),
        Bad("key-missing", ("peer", "add", "council", "--key", "{missing}", *W), ("/x.csv",)),
        Bad("own-organisation", ("peer", "add", "gp", "--key", "{other}/keys/node.pub", *W),
            ("'gp'",)),
        Bad("name-breaks-the-pattern", ("peer", "add", "../Council", "--key",
                                        "{other}/keys/node.pub", *W), ("'../Council'",)),
        Bad("another-key-without-replace", ("peer", "add", "hospital", "--key",
                                            "{corrupt}/keys/node.pub", *W),
            ("'hospital'", "replace")),
    ],
    "peer list": [
        Bad("extra-argument", ("peer", "list", "extra", *W), ("extra",)),
    ],
    "peer remove": [
        Bad("unknown-peer", ("peer", "remove", "nobody", "--reason", "r", *W), ("'nobody'",)),
        Bad("no-reason", ("peer", "remove", "hospital", *W), ("--reason",)),
        Bad("name-breaks-the-pattern", ("peer", "remove", "a\nb", "--reason", "r", *W),
            ("organisation",)),
    ],
    "doctor": [
        Bad("extra-argument", ("doctor", "extra", *W), ("extra",)),
        Bad("finds-loose-modes", ("doctor", "-w", "{loose}"), ("chmod",), code=1),
    ],
    "catalog describe": [
        *_yaml_bombs("catalog", "describe", "patients", "--from", after=W),
        Bad("from-missing", ("catalog", "describe", "patients", "--from", "{missing}", *W),
            ("/x.csv",)),
    ],
    "catalog show": [
        Bad("unknown-dataset", ("catalog", "show", "nope", *W), ("nope",)),
    ],
    "serve": [
        Bad("port-out-of-range", ("serve", "--port", "70000", *W), ("--port",)),
        Bad("workers-zero", ("serve", "--workers", "0", *W), ("--workers",)),
        Bad("stop-after-zero", ("serve", "--stop-after", "0", *W), ("--stop-after",)),
        Bad("no-node-id", ("serve", "--port", "8799", *W), ("no node id", "node_id", "A81001")),
        Bad("node-id-not-a-code", ("serve", *W), ("ACCORD_NODE_ID",),
            env={"ACCORD_NODE_ID": "a81001"}),
    ],
    "federation init": [
        Bad("not-a-domain", ("federation", "init", "{new}", "--federation", "Not A Domain"),
            ("'Not A Domain'", "not a domain name")),
        Bad("already-a-workspace", ("federation", "init", "{ws}", "--federation",
                                    "accord.example.nhs.uk"), ("already an Accord workspace",)),
        Bad("a-file", ("federation", "init", "{binary_bin}", "--federation",
                       "accord.example.nhs.uk"), ("binary.bin", "is a file")),
        Bad("no-federation", ("federation", "init", "{new}"), ("--federation",)),
    ],
    "federation add": [
        Bad("not-an-authority", (*ADD, "-a", "{ws}"), ("not a federation authority",
                                                       "federation init")),
        Bad("node-id-not-a-code", ("federation", "add", "rx2", *ADD[3:], *AUTHORITY),
            ("'rx2'", "not a node id", "A81001")),
        Bad("already-a-member", ("federation", "add", "RX1", *ADD[3:], *AUTHORITY),
            ("RX1", "already a member", "--replace")),
        Bad("url-not-http", (*ADD, "--url", "ftp://files.example", *AUTHORITY),
            ("base_url", "ftp://files.example", "http")),
        Bad("unknown-role", (*ADD, "--role", "king", *AUTHORITY), ("--role", "king")),
        Bad("key-binary", ("federation", "add", "RX2", "--org", "h2", "--name", "H", "--url",
                           "http://x", "--key", "{binary_bin}", "--role", "provider",
                           *AUTHORITY), ("binary.bin",)),
        Bad("org-breaks-the-pattern", (*ADD, "--org", "../Hospital", *AUTHORITY),
            ("'../Hospital'",)),
    ],
    "federation revoke": [
        Bad("unknown-member", ("federation", "revoke", "RX9", "--reason", "r", *AUTHORITY),
            ("RX9 is not a member", "RX1")),
        Bad("no-reason", ("federation", "revoke", "RX1", *AUTHORITY), ("--reason",)),
        Bad("blank-reason", ("federation", "revoke", "RX1", "--reason", " ", *AUTHORITY),
            ("needs a reason",)),
        Bad("not-an-authority", ("federation", "revoke", "RX1", "--reason", "r", "-a", "{ws}"),
            ("not a federation authority",)),
    ],
    "federation publish": [
        Bad("out-is-a-folder", ("federation", "publish", "-o", "{plain_dir}", *AUTHORITY),
            ("plain",)),
        Bad("out-over-the-node-key", ("federation", "publish", "-o", "{ws}/keys/node.key",
                                      "--force", *AUTHORITY), ("node.key", "workspace's own")),
        Bad("out-missing-folder", ("federation", "publish", "-o", "{missing}", *AUTHORITY),
            ("/x.csv", "does not exist")),
        Bad("out-exists", ("federation", "publish", "-o", "{trust_list_json}", *AUTHORITY),
            ("trust-list.json", "--force")),
        Bad("not-an-authority", ("federation", "publish", "-a", "{ws}"),
            ("not a federation authority",)),
    ],
    "federation fetch": [
        Bad("from-binary", ("federation", "fetch", "--from", "{binary_bin}", *W),
            ("binary.bin", "not JSON")),
        Bad("from-missing", ("federation", "fetch", "--from", "{missing}", *W),
            ("/x.csv", "cannot read the trust list")),
        Bad("from-truncated", ("federation", "fetch", "--from", "{truncated_json}", *W),
            ("truncated.json", "not JSON")),
        Bad("from-a-list-that-is-not-one", ("federation", "fetch", "--from", "{list_json}", *W),
            ("list.json", "no signature")),
        Bad("altered-after-signing", ("federation", "fetch", "--from",
                                      "{altered_trust_list_json}", *W),
            ("altered-trust-list.json", "does not verify", "pinned authority key")),
        Bad("from-a-closed-port", ("federation", "fetch", "--from",
                                   "http://127.0.0.1:1/trust-list.json", *W),
            ("http://127.0.0.1:1/trust-list.json", "cannot fetch")),
        Bad("no-key-pinned", ("federation", "fetch", "--from", "{trust_list_json}", "-w",
                              "{other}"), ("no trust_list_key", "accord.toml")),
        Bad("no-source", ("federation", "fetch", *W), ("no trust_list_url", "--from")),
        Bad("key-not-a-key", ("federation", "fetch", *W), ("ACCORD_TRUST_LIST_KEY",),
            env={"ACCORD_TRUST_LIST_KEY": "not-a-key"}),
    ],
    "federation show": [
        Bad("extra-argument", ("federation", "show", "extra", *W), ("extra",)),
        Bad("grace-negative", ("federation", "show", *W), ("ACCORD_TRUST_LIST_GRACE",),
            env={"ACCORD_TRUST_LIST_GRACE": "-1"}),
        Bad("key-not-a-key", ("federation", "show", *W), ("ACCORD_TRUST_LIST_KEY",),
            env={"ACCORD_TRUST_LIST_KEY": "not-a-key"}),
    ],
    "share catalogue": [
        Bad("no-node-id", ("share", "catalogue", "RX1", *W), ("no node id", "node_id")),
        Bad("not-in-the-trust-list", ("share", "catalogue", "RX1", *W),
            ("A81001", "is not in the federation's trust list"),
            env={"ACCORD_NODE_ID": "A81001"}),
        Bad("another-node-s-id", ("share", "catalogue", "RX1", *W),
            ("RX1", "not this node's key"), env={"ACCORD_NODE_ID": "RX1"}),
        Bad("no-trust-list", ("share", "catalogue", "RX1", "-w", "{other}"),
            ("no trust list has been adopted", "federation fetch")),
    ],
    "audit fetch-checkpoint": [
        Bad("no-node-id", ("audit", "fetch-checkpoint", "RX1", *W), ("no node id", "node_id")),
        Bad("not-in-the-trust-list", ("audit", "fetch-checkpoint", "RX1", *W),
            ("A81001", "is not in the federation's trust list"),
            env={"ACCORD_NODE_ID": "A81001"}),
        Bad("no-trust-list", ("audit", "fetch-checkpoint", "RX1", "-w", "{other}"),
            ("no trust list has been adopted", "federation fetch")),
        Bad("out-missing-folder", ("audit", "fetch-checkpoint", "RX1", "--out", "{missing}", *W),
            ("/x.csv",)),
        Bad("out-is-a-folder", ("audit", "fetch-checkpoint", "RX1", "--out", "{plain_dir}", *W),
            ("plain",)),
    ],
    "audit prove": [
        Bad("neither-index-nor-since", ("audit", "prove", "RX1", *W), ("--index", "--since")),
        Bad("both-index-and-since", ("audit", "prove", "RX1", "--index", "0", "--since",
                                     "{people_csv}", *W), ("--index", "--since")),
        Bad("index-negative", ("audit", "prove", "RX1", "--index", "-1", *W), ("--index",)),
        Bad("index-huge", ("audit", "prove", "RX1", "--index", HUGE, *W), ("--index",)),
        Bad("leaf-not-hex", ("audit", "prove", "RX1", "--index", "0", "--leaf", "xyz", *W),
            ("--leaf", "64 hex digits")),
        Bad("leaf-without-index", ("audit", "prove", "RX1", "--since", "{people_csv}", "--leaf",
                                   "ab" * 32, *W), ("--leaf",)),
        Bad("since-missing", ("audit", "prove", "RX1", "--since", "{missing}", *W),
            ("--since", "x.csv")),
        Bad("since-a-folder", ("audit", "prove", "RX1", "--since", "{plain_dir}", *W),
            ("--since", "plain")),
        Bad("since-binary", ("audit", "prove", "RX1", "--since", "{binary_bin}", *W),
            ("binary.bin", "not UTF-8")),
        Bad("no-node-id", ("audit", "prove", "RX1", "--index", "0", *W), ("no node id",)),
        Bad("not-in-the-trust-list", ("audit", "prove", "RX1", "--index", "0", *W),
            ("A81001", "is not in the federation's trust list"),
            env={"ACCORD_NODE_ID": "A81001"}),
    ],
    "audit witness": [
        Bad("no-node-id", ("audit", "witness", "RX1", *W), ("no node id", "node_id")),
        Bad("not-in-the-trust-list", ("audit", "witness", "RX1", *W),
            ("A81001", "is not in the federation's trust list"),
            env={"ACCORD_NODE_ID": "A81001"}),
        Bad("no-trust-list", ("audit", "witness", "RX1", "-w", "{other}"),
            ("no trust list has been adopted", "federation fetch")),
    ],
    "usage report": [
        Bad("month-missing", ("usage", "report", *W), ("--month",)),
        Bad("month-13", ("usage", "report", "--month", "2026-13", *W),
            ("--month", "'2026-13'", "YYYY-MM")),
        Bad("month-a-day", ("usage", "report", "--month", "2026-12-01", *W),
            ("--month", "YYYY-MM")),
        Bad("month-words", ("usage", "report", "--month", "last month", *W), ("--month",)),
        Bad("format-unknown", ("usage", "report", "--month", "2026-12", "--format", "xml", *W),
            ("--format", "xml")),
        Bad("table-to-a-file", ("usage", "report", "--month", "2026-12", "--out", OUT, *W),
            ("--format", "csv or json")),
        Bad("json-and-csv", ("usage", "report", "--month", "2026-12", "--format", "csv",
                             "--json", *W), ("--json",)),
        Bad("out-missing-folder", ("usage", "report", "--month", "2026-12", "--format", "csv",
                                   "--out", "{missing}", *W), ("/x.csv",)),
        Bad("out-exists", ("usage", "report", "--month", "2026-12", "--format", "csv", "--out",
                           "{people_csv}", *W), ("people.csv", "--force")),
        Bad("out-is-a-folder", ("usage", "report", "--month", "2026-12", "--format", "json",
                                "--out", "{plain_dir}", *W), ("plain",)),
    ],
    "share request": [
        Bad("bad-format", ("share", "request", *GOOD["share request"], "--format", "xml", *W),
            ("--format", "xml")),
        Bad("bad-subject-kind", ("share", "request", *GOOD["share request"], "--subject-kind",
                                 "name", *W), ("--subject-kind",)),
        Bad("bad-idempotency-key", ("share", "request", *GOOD["share request"],
                                    "--idempotency-key", "../../keys", *W),
            ("--idempotency-key",)),
        Bad("case-with-spaces", ("share", "request", "RX1", "-a", AGREEMENT_ID, "-d",
                                 "admissions", "--as-role", "care-coordinator", "--case",
                                 "a case; drop", *W), ("--case",)),
        Bad("dataset-traversal", ("share", "request", "RX1", "-a", AGREEMENT_ID, "-d",
                                  "../keys", "--as-role", "care-coordinator", "--case", "R-1",
                                  *W), ("--dataset",)),
    ],
    "share lookup": [
        Bad("no-identifiers", ("share", "lookup", "RX1", "-a", AGREEMENT_ID, "-d", "admissions",
                               "--as-role", "care-coordinator", "--case", "RISK-1", *W),
            ("NHS number", "family name")),
        Bad("bad-nhs-number", ("share", "lookup", "RX1", "-a", AGREEMENT_ID, "-d", "admissions",
                               "--as-role", "care-coordinator", "--case", "RISK-1",
                               "--nhs-number", "abc", *W), ("--nhs-number",)),
    ],
    "share list": [
        Bad("extra-argument", ("share", "list", "extra", *W), ("extra",)),
    ],
    "catalog export": [
        Bad("unknown-format", ("catalog", "export", "patients", "--format", "rdfxml", *W),
            ("rdfxml", "dcat")),
        Bad("unknown-dataset", ("catalog", "export", "nope", "--format", "dcat", *W), ("nope",)),
    ],
}
# fmt: on
"""Each command's own bad inputs (the generic ones are added by :func:`cases`)."""


def _without_staff(path: str) -> list[Bad]:
    """A command run by staff, without its role or reason (never asked for: no terminal)."""
    good = GOOD[path]
    return [
        Bad("no-reason", (*path.split(), *good, "--as-role", "steward", *W), ("--reason",)),
        Bad("no-role", (*path.split(), *good, "--reason", "why", *W), ("--as-role",)),
        Bad(
            "blank-reason",
            (*path.split(), *good, "--as-role", "steward", "--reason", " ", *W),
            ("--reason",),
        ),
    ]


def cases() -> list[tuple[str, Bad]]:
    """``(command, case)`` for every command of the app: generic and specific."""
    found = []
    for path, command in commands().items():
        for case in (*_generic(path, command), *SPECIFIC.get(path, [])):
            if path in STAFF_COMMANDS:
                case = replace(case, args=(*case.args, *STAFF))
            found.append((path, case))
        if path in STAFF_COMMANDS:
            found += [(path, case) for case in _without_staff(path)]
    return found


def fill(args: tuple[str, ...], paths: dict[str, str]) -> list[str]:
    """The arguments with ``{name}`` replaced; ``@{name}`` becomes that file's text."""
    filled = []
    for arg in args:
        text = arg.format(**paths)
        if arg.startswith("@"):
            text = Path(text[1:]).read_text(encoding="utf-8").strip()
        filled.append(text)
    return filled
