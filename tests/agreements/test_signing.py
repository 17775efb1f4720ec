"""Signatures: canonical form, sign and verify offline, and any changed byte fails."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.agreements import (
    Agreement,
    KeyUnusable,
    SignatureError,
    canonical,
    load_keys,
    load_public_key,
    parse,
    public_key_text,
    sign,
    verify,
)
from tests.agreements.support import example, org_keys, public, signed_by_all

KEYS = org_keys("gp", "hospital")
SIGNED = signed_by_all(example(), KEYS)


def test_canonical_form_follows_rfc_8785() -> None:
    # RFC 8785 section 3.2.2's example: sorted keys, ES6 numbers, minimal escapes.
    value = {"numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
             "string": "\u20ac$\u000f\nA'B\"\\\\\"/", "literals": [None, True, False]}  # fmt: skip
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert rfc8785.dumps(value).decode("utf-8") == expected
    assert json.loads(canonical(example())) == example().content()


def test_canonical_form_ignores_key_order_and_spelt_out_defaults() -> None:
    a = example()
    data = a.model_dump(mode="json")  # defaults spelt out, keys in another order below
    reordered = parse(dict(reversed(list(data.items()))))
    assert canonical(reordered) == canonical(a)


def test_every_party_signs_and_anyone_verifies_with_public_keys() -> None:
    result = verify(SIGNED, public(KEYS))
    assert result.ok
    assert [c.status for c in result.checks] == ["valid", "valid"]


def test_missing_signature_and_missing_key_are_reported() -> None:
    half = sign(example(), "gp", KEYS["gp"])
    assert {c.org: c.status for c in verify(half, public(KEYS)).checks} == {
        "gp": "valid", "hospital": "missing"}  # fmt: skip
    only_gp = {"gp": KEYS["gp"].public_key()}
    assert {c.org: c.status for c in verify(SIGNED, only_gp).checks}["hospital"] == "no_key"


def test_a_signature_by_another_key_fails() -> None:
    impostor = org_keys("hospital")
    forged = sign(SIGNED, "hospital", impostor["hospital"])
    result = verify(forged, public(KEYS))
    assert not result.ok
    assert "signed with key" in result.problems()[0]


def test_only_a_party_can_sign() -> None:
    with pytest.raises(SignatureError, match="not a party"):
        sign(example(), "police", KEYS["gp"])


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


DOCUMENT = SIGNED.model_dump(mode="json")
LEAVES = _leaves(DOCUMENT)


HEX = "0123456789abcdef"


def _other(char: str, text: str) -> str:
    """Another character of the same kind, so that most changes still parse: a hex digit
    in a hex value (a key or a signature) stays hex, whatever the random keys hold."""
    hexadecimal = all(c in HEX for c in text)
    for alphabet in ((HEX,) if hexadecimal else ()) + (
        "abcdefghijklmnopqrstuvwxyz",
        "0123456789",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    ):
        if char in alphabet:
            return alphabet[(alphabet.index(char) + 1) % len(alphabet)]
    return "A"


def _tampered(path: tuple[Any, ...], position: int) -> Agreement | None:
    document = json.loads(json.dumps(DOCUMENT))
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    old = parent[path[-1]]
    if isinstance(old, bool):
        new: Any = not old
    elif isinstance(old, int):
        new = old + 1
    else:
        text = str(old)
        i = position % len(text)
        new = text[:i] + _other(text[i], text) + text[i + 1 :]
    parent[path[-1]] = new
    try:
        return parse(document)
    except Exception:
        return None  # a change the model refuses outright never gets as far as verify


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(LEAVES), st.integers(min_value=0, max_value=10_000))
def test_one_changed_byte_in_any_field_fails_verification(
    path: tuple[Any, ...], position: int
) -> None:
    tampered = _tampered(path, position)
    if tampered is not None:
        assert not verify(tampered, public(KEYS)).ok, path


@pytest.mark.parametrize("path", LEAVES, ids=lambda p: ".".join(map(str, p)))
def test_every_field_is_covered_by_a_signature(path: tuple[Any, ...]) -> None:
    tampered = _tampered(path, 0)
    if tampered is not None:
        assert not verify(tampered, public(KEYS)).ok


def test_most_one_byte_changes_still_parse_so_verify_is_what_catches_them() -> None:
    parsed = sum(_tampered(path, 0) is not None for path in LEAVES)
    assert parsed > len(LEAVES) * 0.6


def test_keys_file_takes_pem_text_base64_or_a_path(tmp_path: Path) -> None:
    gp_pub = tmp_path / "gp.pub"
    gp_pub.write_text(public_key_text(KEYS["gp"].public_key()), encoding="ascii")
    raw = KEYS["hospital"].public_key().public_bytes_raw()
    keys = tmp_path / "keys.yaml"
    keys.write_text(f"gp: gp.pub\nhospital: {base64.b64encode(raw).decode()}\n", encoding="utf-8")
    assert verify(SIGNED, load_keys(keys)).ok
    keys.write_text("gp: not-a-key\n", encoding="utf-8")
    with pytest.raises(KeyUnusable, match="gp: not an Ed25519 public key"):
        load_keys(keys)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("gp: a\ngp: b\n", "keys.yaml"),  # read by the one YAML loader, which names the file
        ("[gp, hospital]\n", "expected a mapping of organisation id"),
        ("GP/../x: abc\n", "organisation id 'GP/../x'"),
        ("gp: 12\n", "gp: expected PEM text, base64 or a file path"),
        (f"gp: {'x' * 5000}\n", "gp: not an Ed25519 public key"),
        ("gp: [unclosed\n", "keys.yaml: not valid YAML"),
    ],
)
def test_a_bad_keys_file_is_one_clear_error(tmp_path: Path, text: str, says: str) -> None:
    keys = tmp_path / "keys.yaml"
    keys.write_text(text, encoding="utf-8")
    with pytest.raises(KeyUnusable, match=re.escape(says)):
        load_keys(keys)


def test_a_public_key_file_is_read_with_a_bound(tmp_path: Path) -> None:
    big = tmp_path / "big.pub"
    big.write_bytes(b"A" * 100_000)
    with pytest.raises(KeyUnusable, match="larger than 16,384 bytes"):
        load_public_key(big)
    binary = tmp_path / "binary.pub"
    binary.write_bytes(b"\xff\xfe" * 10)
    with pytest.raises(KeyUnusable, match="not ASCII text"):
        load_public_key(binary)
    with pytest.raises(KeyUnusable, match="cannot read the public key"):
        load_public_key(tmp_path / "missing.pub")
