"""Phone numbers (E.164), email addresses and free-text addresses.

UK phone numbers are validated in SQL against the number patterns that ``phonenumbers``
publishes for country code 44 (GB and the Crown Dependencies that share it: the same
patterns its ``is_valid_number`` uses), so a million rows need no Python call; numbers
with another country code are rare and go to ``phonenumbers`` itself through a DuckDB
function. A UK number that fails validation keeps its ``+44`` form, as ``phonenumbers``
would format it.
"""

from __future__ import annotations

from functools import cache

import phonenumbers
import pyarrow as pa

from accord.people.arrow import text_array
from accord.people.names import fold_letters
from accord.people.plan import FINAL, FieldPlan, ascii_or
from accord.people.sql import blank_to_null, lit, strip

_PHONE_TYPES = (
    "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
    "personal_number", "voip", "pager", "uan", "voicemail",
)  # fmt: skip
# The HTML living standard's e-mail syntax, with at least one dot in the domain.
EMAIL_PATTERN = (
    r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
)


@cache
def gb_phone_pattern() -> str:
    """Union of phonenumbers' +44 patterns for every number type (national significant).

    Jersey, Guernsey and the Isle of Man share +44 but have metadata of their own, so
    GB's patterns alone would refuse a Jersey mobile that ``is_valid_number`` accepts.
    """
    parts = []
    for region in phonenumbers.region_codes_for_country_code(44):
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if meta is None:  # pragma: no cover - phonenumbers ships every +44 region
            raise RuntimeError(f"phonenumbers has no metadata for {region}")
        for kind in _PHONE_TYPES:
            desc = getattr(meta, kind)
            if desc is not None and desc.national_number_pattern:
                parts.append(f"(?:{desc.national_number_pattern})")
    return "|".join(dict.fromkeys(parts))


def international_e164(values: pa.Array) -> pa.Array:
    """DuckDB function body: E.164 for ``+``-prefixed numbers phonenumbers deems valid."""
    out: list[str | None] = []
    for value in values.to_pylist():
        number = None
        if value:
            try:
                parsed = phonenumbers.parse(value, None)
            except phonenumbers.NumberParseException:
                parsed = None
            if parsed is not None and phonenumbers.is_valid_number(parsed):
                number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        out.append(number)
    return text_array(out)


def plan_phone() -> FieldPlan:
    plan = FieldPlan()
    no_ext = (
        rf"CASE WHEN regexp_matches(phone, '[xX#]') THEN regexp_replace({strip('phone')}, "
        r"'(?i)\s*(?:ext|extn|x|#)\.?\s*\d+$', '') ELSE phone END"
    )
    digits = rf"regexp_replace(replace({no_ext}, '(0)', ''), '[^0-9+]', '', 'g')"
    # A plus sign means something only in front ("++44 ..." is a slip for "+44").
    digits = rf"regexp_replace({digits}, '^(\+)\+*|\+', '\1', 'g')"
    # Most numbers are digits in groups of one space, maybe after a plus: dropping the
    # spaces gives what the replacements above would.
    plain = r"regexp_full_match(phone, '\+?[0-9]+(?: [0-9]+)*')"
    plan.at(0)["_ph_d"] = (
        f"CASE WHEN {plain} THEN replace(phone, ' ', '') ELSE nullif({digits}, '') END"
    )
    plan.at(1)["_ph_e"] = (
        "CASE WHEN starts_with(_ph_d, '00') THEN '+' || substr(_ph_d, 3) ELSE _ph_d END"
    )
    # The costly ltrim of a character runs only when there is a 0 to strip.
    plan.at(2)["_ph_n"] = """CASE
        WHEN starts_with(_ph_e, '+440') THEN ltrim(substr(_ph_e, 4), '0')
        WHEN starts_with(_ph_e, '+44') THEN substr(_ph_e, 4)
        WHEN starts_with(_ph_e, '+') THEN NULL
        WHEN starts_with(_ph_e, '44') AND length(_ph_e) = 12 THEN substr(_ph_e, 3)
        WHEN starts_with(_ph_e, '0') THEN substr(_ph_e, 2)
        ELSE _ph_e END"""
    s3 = plan.at(3)
    s3["_ph_gb"] = f"regexp_full_match(_ph_n, {lit(gb_phone_pattern())})"
    # No country code starts with 0, so phonenumbers refuses "+0..." (placeholders such as
    # "0000 000000"): those rows need no Python call.
    s3["_ph_intl"] = (
        "CASE WHEN _ph_n IS NULL AND _ph_e IS NOT NULL AND NOT starts_with(_ph_e, '+0') "
        "THEN accord_phone_e164(_ph_e) END"
    )
    plan.at(FINAL).update({
        "phone": "CASE WHEN _ph_n <> '' THEN '+44' || _ph_n ELSE coalesce(_ph_intl, _ph_e) END",
        "phone_raw": "phone::VARCHAR",
        # Text with no digit at all ("none", "see notes") is no number: flagged, not dropped.
        # Valid numbers (most) are settled by the first test, before any stripping.
        "phone_issue": "CASE WHEN NOT coalesce(_ph_gb, false) AND _ph_intl IS NULL "
        f"AND {blank_to_null('phone')} IS NOT NULL THEN 'invalid' END",
    })  # fmt: skip
    return plan


def plan_email() -> FieldPlan:
    plan = FieldPlan()
    plan.at(0)["_em_s"] = f"lower({blank_to_null('email')})"
    plan.at(FINAL).update({
        "email": "_em_s",
        "email_raw": "email::VARCHAR",
        "email_issue": f"CASE WHEN NOT regexp_full_match(_em_s, {lit(EMAIL_PATTERN)}) "
        "THEN 'invalid' END",
    })  # fmt: skip
    return plan


def plan_address() -> FieldPlan:
    """Lower case, accents folded, punctuation as space.

    Abbreviations ("Rd", "Ave") are left alone: expanding them per token costs more
    than the rest of the record, and similarity measures absorb them.
    """
    plan = FieldPlan()
    # Folded like names (Straße -> strasse, Søndergade -> sondergade) so both compare alike.
    folded = ascii_or("lower(address)", fold_letters("lower(accord_nfkc(address))"))
    spaced = rf"regexp_replace({folded}, '[^\p{{L}}\p{{N}}]+', ' ', 'g')"
    # Most addresses are ASCII words and numbers parted by one space or a comma and a
    # space: the replacement would turn each parting into one space, as this does.
    plain = "regexp_full_match(address, '[A-Za-z0-9]+(?:,? [A-Za-z0-9]+)*')"
    plan.at(FINAL).update({
        "address": f"CASE WHEN {plain} THEN lower(replace(address, ',', '')) "
        f"ELSE nullif(trim({spaced}), '') END",
        "address_raw": "address::VARCHAR",
    })  # fmt: skip
    return plan
