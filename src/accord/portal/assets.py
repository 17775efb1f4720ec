"""The files the portal serves from the node (no CDN): GOV.UK Frontend's build, which
``make`` installs with ``npm ci`` (``node_modules/govuk-frontend/dist/govuk``, or the
``portal_assets`` setting), and the portal's own ``static/`` folder (the script that
starts GOV.UK Frontend, a few styles)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from accord.store import Workspace

STATIC = Path(__file__).parent / "static"
BUILD = Path("node_modules") / "govuk-frontend" / "dist" / "govuk"
log = logging.getLogger("accord.portal")


def frontend(ws: Workspace) -> Path | None:
    """GOV.UK Frontend's ``dist/govuk`` folder, or None (logged) when it is not there."""
    given = ws.settings.portal_assets
    candidates = [ws.root / given] if given else [p / BUILD for p in Path(__file__).parents]
    for folder in candidates:
        if (folder / "govuk-frontend.min.css").is_file():
            return folder
    where = candidates[0] if given else BUILD
    log.warning("GOV.UK Frontend is not at %s: pages are served unstyled (run 'make assets', "
                "or set portal_assets)", where)  # fmt: skip
    return None


def frontend_version(folder: Path | None) -> str | None:
    """The version of the GOV.UK Frontend build in ``folder`` (its package.json's)."""
    if folder is None:
        return None
    package = folder.parents[1] / "package.json"
    try:
        return str(json.loads(package.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None
