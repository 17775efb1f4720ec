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


def plan_postcode() -> FieldPlan:
    plan = FieldPlan()
    # NFKC first, so full-width "ＳＷ１Ａ" is read rather than stripped away as punctuation.
    text = ascii_or("postcode", "accord_nfkc(postcode)")
    plan.at(0)["_pc_c"] = f"nullif(upper(regexp_replace({text}, '[^A-Za-z0-9]', '', 'g')), '')"
    # The space goes before an inward-shaped tail only, so a foreign "75008" stays whole.
    plan.at(1)["_pc_f"] = (
        "CASE WHEN length(_pc_c) BETWEEN 5 AND 7 AND regexp_matches(_pc_c, '[0-9][A-Z]{2}$') "
        "THEN left(_pc_c, length(_pc_c) - 3) || ' ' || right(_pc_c, 3) ELSE _pc_c END"
    )
    plan.at(2)["_pc_ok"] = f"regexp_full_match(_pc_f, '{POSTCODE_PATTERN}')"
    outward = "split_part(_pc_f, ' ', 1)"
    plan.at(FINAL).update({
        "postcode": "_pc_f",
        "postcode_raw": "postcode::VARCHAR",
        # Text with no letter or digit ("-", "??") is flagged, not silently dropped.
        "postcode_issue": f"CASE WHEN {blank_to_null('postcode')} IS NOT NULL "
        "AND NOT coalesce(_pc_ok, false) THEN 'invalid' END",
        "postcode_area": f"CASE WHEN _pc_ok THEN regexp_extract({outward}, '^[A-Z]+') END",
        "postcode_outward": f"CASE WHEN _pc_ok THEN {outward} END",
        "postcode_district": (
            # GIR 0AA has no digit in its outward code: its district is the outward code.
            f"CASE WHEN _pc_ok THEN coalesce(nullif(regexp_extract({outward}, "
            f"'^[A-Z]+[0-9]+'), ''), {outward}) END"
        ),
        "postcode_sector": "CASE WHEN _pc_ok THEN left(_pc_f, length(_pc_f) - 2) END",
    })  # fmt: skip
    return plan
