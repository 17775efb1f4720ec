"""Arrow columns built from buffers: the same arrays pyarrow would make, without pandas."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from accord.people import int_array, text_array

# Text as UTF-8 can hold it: no lone surrogates.
TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]))


@given(st.lists(st.none() | TEXT))
def test_text_arrays_hold_the_values_given(values: list[str | None]) -> None:
    array = text_array(values)
    array.validate(full=True)
    assert array.type == pa.large_string()
    assert array.to_pylist() == values


@given(st.lists(st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1)))
def test_int_arrays_hold_the_values_given(values: list[int | None]) -> None:
    array = int_array(values)
    array.validate(full=True)
    assert array.to_pylist() == values


def test_building_them_does_not_import_pandas() -> None:
    code = (
        "import sys; from accord.people import text_array, int_array; "
        "text_array(['a', None]); int_array([1, None]); print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
