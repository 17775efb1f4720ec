"""UK postcodes: the ``SW1A 1AA`` form, validated, with area, district, sector derived.

Terms follow Royal Mail: for ``SW1A 1AA`` the area is ``SW``, the outward code
``SW1A``, the district ``SW1`` (the outward code without a sub-district letter, so
``SW1A`` and ``SW1E`` fall in one district) and the sector ``SW1A 1``. An invalid
postcode keeps its cleaned form, so records from abroad still compare.
"""

from __future__ import annotations

from accord.people.plan import FINAL, FieldPlan, ascii_or
from accord.people.sql import blank_to_null

# Royal Mail's format rules: letters not used in each position are excluded.
_OUTWARD = (
    "(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    "|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
POSTCODE_PATTERN = f"(?:{_OUTWARD} [0-9][ABD-HJLNP-UW-Z]{{2}}|GIR 0AA)"
_UNSPACED = POSTCODE_PATTERN.replace(" ", "")


def plan_postcode() -> FieldPlan:
    plan = FieldPlan()
    # Most postcodes are written in the standard form already ("SW1A 1AA"): one match
    # proves it, and such a postcode is its own cleaned and spaced form.
    plan.at(0)["_pc_v"] = f"regexp_full_match(postcode, '{POSTCODE_PATTERN}')"
    # NFKC first, so full-width "ＳＷ１Ａ" is read rather than stripped away as punctuation.
    text = ascii_or("postcode", "accord_nfkc(postcode)")
    # Letters and digits with at most one space are cleaned by a plain replace; only the
    # rest pay for the replacing expression.
    plain = "regexp_full_match(postcode, '[A-Za-z0-9]+(?: [A-Za-z0-9]+)?')"
    cleaned = (
        f"CASE WHEN {plain} THEN replace(postcode, ' ', '') "
        f"ELSE regexp_replace({text}, '[^A-Za-z0-9]', '', 'g') END"
    )
    # Only postcodes not already in the standard form need cleaning.
    plan.at(1)["_pc_c"] = f"CASE WHEN NOT _pc_v THEN nullif(upper({cleaned}), '') END"
    # _pc_c holds only A-Z and 0-9, so it is valid exactly when the spaced form below is:
    # testing it first spares valid postcodes the test for an inward-shaped tail.
    plan.at(2)["_pc_ok"] = f"_pc_v OR regexp_full_match(_pc_c, '{_UNSPACED}')"
    # The space goes before an inward-shaped tail only, so a foreign "75008" stays whole.
    tail = "length(_pc_c) BETWEEN 5 AND 7 AND regexp_matches(_pc_c, '[0-9][A-Z]{2}$')"
    plan.at(3)["_pc_f"] = (
        f"CASE WHEN _pc_v THEN postcode WHEN _pc_ok OR ({tail}) "
        "THEN left(_pc_c, length(_pc_c) - 3) || ' ' || right(_pc_c, 3) ELSE _pc_c END"
    )
    plan.at(3)["_pc_out"] = (
        "CASE WHEN _pc_v THEN left(postcode, length(postcode) - 4) "
        "WHEN _pc_ok THEN left(_pc_c, length(_pc_c) - 3) END"
    )
    # A valid outward code is letter(s), digit(s), maybe a letter: its characters say
    # where the parts end, so no regular expression is needed.
    letter = "BETWEEN 'A' AND 'Z'"
    plan.at(FINAL).update({
        "postcode": "_pc_f",
        "postcode_raw": "postcode::VARCHAR",
        # Text with no letter or digit ("-", "??") is flagged, not silently dropped.
        # Valid postcodes (most) are settled by the first test, before any stripping.
        "postcode_issue": "CASE WHEN NOT coalesce(_pc_ok, false) "
        f"AND {blank_to_null('postcode')} IS NOT NULL THEN 'invalid' END",
        "postcode_area": (
            "CASE WHEN _pc_out = 'GIR' THEN 'GIR' "
            f"WHEN substr(_pc_out, 2, 1) {letter} THEN left(_pc_out, 2) ELSE left(_pc_out, 1) END"
        ),
        "postcode_outward": "_pc_out",
        "postcode_district": (
            # GIR 0AA has no digit in its outward code: its district is the outward code.
            "CASE WHEN _pc_out = 'GIR' THEN 'GIR' "
            f"WHEN right(_pc_out, 1) {letter} THEN left(_pc_out, length(_pc_out) - 1) "
            "ELSE _pc_out END"
        ),
        "postcode_sector": "CASE WHEN _pc_ok THEN left(_pc_f, length(_pc_f) - 2) END",
    })  # fmt: skip
    return plan
