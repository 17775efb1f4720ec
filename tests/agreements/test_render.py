"""The readable rendering: every field of an agreement in both HTML and PDF, hostile text
escaped, and ``accord agreement render`` from a file or the store."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
import pytest
import yaml
from typer.testing import CliRunner

from accord.agreements import (
    Agreement,
    Article6,
    Article9,
    Role,
    Section35,
    SensitiveCondition,
    Treatment,
    describe,
    digest,
    parse,
    record,
    render_html,
    render_pdf,
)
from accord.agreements.render import (
    ARTICLE_6_WORDS,
    ROLES,
    SECTION_35_WORDS,
    SENSITIVE_WORDS,
    TREATMENTS,
    long_date,
    when,
    words,
)
from accord.cli import app
from accord.store import Workspace
from tests.agreements.support import example, org_keys, signed_by_all, trust

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def police() -> Agreement:
    return parse(yaml.safe_load((DATA / "families-police.yaml").read_text("utf-8")))


def _shown(value: Any) -> str | None:
    """How the rendering shows one value of the model (None: not shown as such)."""
    table: dict[type, dict[Any, str]] = {
        Role: ROLES, Treatment: TREATMENTS, Article6: ARTICLE_6_WORDS,
        Section35: SECTION_35_WORDS, SensitiveCondition: SENSITIVE_WORDS,
    }  # fmt: skip
    if type(value) in table:
        return table[type(value)][value]
    if isinstance(value, Article9):
        return value.value.partition("_")[2].replace("_", " ")
    if isinstance(value, StrEnum):
        return words(value)
    if isinstance(value, bool) or value is None:
        return None  # flags are Yes/No in their column; checked below
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, date):
        return long_date(value)
    return str(value)


def _leaves(data: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(data, dict):
        return [leaf for k, v in data.items() for leaf in _leaves(v, f"{path}.{k}")]
    if isinstance(data, list):
        return [leaf for i, v in enumerate(data) for leaf in _leaves(v, f"{path}.{i}")]
    return [(path, data)]


def expected(a: Agreement) -> dict[str, str]:
    """Every value of the agreement that a signer must see, by its path."""
    found = {}
    for path, value in _leaves(a.model_dump()):
        if ".row_conditions." in path or path.endswith(".signature"):
            continue  # conditions are shown in words (below); signature bytes are not
        shown = _shown(value)
        if shown is not None:
            found[path] = shown
    for i, d in enumerate(a.datasets):
        for j, c in enumerate(d.row_conditions):
            found[f"datasets.{i}.row_conditions.{j}"] = describe(c)
    found["digest"] = digest(a)
    return found


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def html_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return _squeeze(" ".join(parser.parts))


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return _squeeze(" ".join(p.extract_text() for p in reader.pages))


def signed_police() -> Agreement:
    a = police()
    return signed_by_all(a, org_keys(*(p.org for p in a.parties)))


@pytest.mark.parametrize("make", [example, signed_police], ids=["health", "police"])
def test_every_field_appears_in_both_renderings(make: Any) -> None:
    a = make()
    wanted = expected(a)
    assert len(wanted) > 60
    html, pdf = html_text(render_html(a, "active")), pdf_text(render_pdf(a, "active"))
    for rendering, text in (("html", html), ("pdf", pdf)):
        missing = {p: v for p, v in wanted.items() if _squeeze(v) not in text}
        assert not missing, f"{rendering} leaves out {missing}"
        assert "Yes" in text  # a special category (and, for the police, criminal offence) flag
    if a.signatures:
        for s in a.signatures:
            assert s.key_id in pdf
            assert _squeeze(when(s.signed_at)) in html


def test_unsigned_parties_are_named_as_not_yet_signed() -> None:
    text = html_text(render_html(example()))
    assert _squeeze("Riverside Medical Practice (gp) not yet signed") in text


HOSTILE = '<script>alert("x")</script> & "quotes" \'single\' {{ 7*7 }} <img src=x onerror=alert(1)>'


def test_hostile_text_is_escaped_in_html_and_drawn_as_text_in_pdf() -> None:
    data = example().model_dump(mode="json", exclude_none=True)
    data["title"] = HOSTILE
    data["purposes"][0]["description"] = HOSTILE
    data["lawful_basis"]["explanation"] = "Zoë, Łódź, 漢字 and ≤"
    a = parse(data)
    page = render_html(a)
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in page  # a template in the data stays text
    assert _squeeze(HOSTILE) in html_text(page)
    assert _squeeze("Zoë, Łódź, 漢字 and ≤") in html_text(page)
    text = pdf_text(render_pdf(a))
    assert _squeeze(HOSTILE) in text
    # DejaVu Sans draws Latin, Greek and Cyrillic; a glyph it lacks is a visible U+FFFD.
    assert _squeeze("Zoë, Łódź, \ufffd\ufffd and ≤") in text


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stderr


def test_render_from_a_file_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    source = tmp_path / "agreement.yaml"
    source.write_text((DATA / "families-police.yaml").read_text("utf-8"), encoding="utf-8")
    out = tmp_path / "agreement.pdf"
    assert run("agreement", "render", str(source), "--format", "pdf", "--out", str(out)) == (
        0, f"wrote {out}\n")  # fmt: skip
    assert out.read_bytes().startswith(b"%PDF-")
    code, stderr = run("agreement", "render", str(source), "--format", "pdf", "--out", str(out))
    assert code == 2
    assert "exists; pass --force" in stderr
    assert run("agreement", "render", str(source), "-o", str(out), "--force")[0] == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    code, stderr = run("agreement", "render", str(source), "-o", str(tmp_path / "no" / "a.html"))
    assert code == 2
    assert "does not exist; create it first" in stderr
    code, stderr = run("agreement", "render", str(source), "-o", str(out), "--format", "docx")
    assert code == 2
    assert "choose one of html, pdf" in stderr


def test_render_a_stored_agreement_by_id_with_its_status(workspace: Workspace,
                                                        tmp_path: Path) -> None:  # fmt: skip
    a = example()
    keys = org_keys("gp", "hospital")
    trust(workspace, keys)
    record(workspace, signed_by_all(a, keys))
    out = tmp_path / "a.html"
    code, stderr = run("agreement", "render", a.id, "-o", str(out), "-w", str(workspace.root))
    assert code == 0, stderr
    text = html_text(out.read_text(encoding="utf-8"))
    assert _squeeze("Status signed") in text
    code, stderr = run("agreement", "render", "nope", "-o", str(tmp_path / "b.html"),
                       "-w", str(workspace.root))  # fmt: skip
    assert code == 2
    assert "nope" in stderr
    assert not (tmp_path / "b.html").exists()
