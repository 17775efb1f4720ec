"""The arrows of docs/architecture.md, enforced: who may import whom, and only faces."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "accord"
CONTEXTS = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists())
# Which contexts each context may import (through their public faces only).
ALLOWED: dict[str, set[str]] = {
    "people": set(),
    "store": set(),
    "audit": {"store"},
    "accounts": {"store", "audit"},
    "scenarios": set(),
    "sources": {"people", "store", "audit"},
    "linkage": {"people", "sources", "store", "audit", "catalog"},
    "privacy": {"people", "sources", "store", "audit"},
    "quality": {"people", "sources", "store", "audit"},
    "agreements": {"store", "audit", "sources", "quality", "privacy"},
    "catalog": {"people", "sources", "quality", "store", "audit"},
    "exchange": {"store", "audit", "agreements", "catalog", "sources", "privacy", "people"},
    "portal": {
        "exchange",
        "accounts",
        "agreements",
        "audit",
        "catalog",
        "privacy",
        "quality",
        "sources",
        "store",
    },
    "cli": {
        "accounts",
        "people",
        "sources",
        "store",
        "scenarios",
        "linkage",
        "privacy",
        "quality",
        "audit",
        "agreements",
        "catalog",
        "exchange",
        "portal",
    },
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return [m for m in found if m.startswith("accord.")]


def test_every_context_has_declared_arrows() -> None:
    assert set(CONTEXTS) == set(ALLOWED), "add the new context to ALLOWED and to architecture.md"


@pytest.mark.parametrize("context", CONTEXTS)
def test_imports_follow_the_arrows_and_use_public_faces(context: str) -> None:
    problems = []
    for path in (SRC / context).rglob("*.py"):
        for module in _imports(path):
            parts = module.split(".")
            target = parts[1]
            if target == context or target not in CONTEXTS:
                continue
            where = path.relative_to(SRC)
            if target not in ALLOWED[context]:
                problems.append(f"{where}: {context} must not import {target}")
            elif len(parts) > 2:
                problems.append(f"{where}: imports {module}; use the face accord.{target}")
    assert problems == []
