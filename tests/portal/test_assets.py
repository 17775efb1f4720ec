"""GOV.UK Frontend, pinned where the macros expect it, and no inline script or style in
any template (the Content Security Policy would refuse them)."""

from __future__ import annotations

import json
import re
from importlib.metadata import metadata
from pathlib import Path

from accord.portal import assets

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src" / "accord" / "portal" / "templates"


def test_govuk_frontend_is_pinned_to_the_release_the_macros_track() -> None:
    readme = metadata("govuk-frontend-jinja").get_payload()  # type: ignore[attr-defined]
    tracked = re.search(r"GOV\.UK%20Frontend-v(\d+\.\d+\.\d+)", str(readme))
    assert tracked is not None, "govuk-frontend-jinja's README no longer names its release"
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["govuk-frontend"] == tracked.group(1)
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/govuk-frontend"]["version"] == tracked.group(1)
    installed = assets.frontend_version(ROOT / assets.BUILD)
    assert installed == tracked.group(1), "run 'make assets' (npm ci)"


def test_no_template_holds_inline_script_or_style() -> None:
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\sstyle=", r"<style", r"\son[a-z]+="):
            found += [f"{path.relative_to(TEMPLATES)}: {m}" for m in re.findall(pattern, text)]
    assert found == []
