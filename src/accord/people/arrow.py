"""Arrow columns from Python values, built from their buffers.

``pyarrow.array`` imports pandas the first time it converts a Python list (it checks for
pandas objects), which costs most of a second at start-up; a column of text or integers
needs nothing of the kind.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import accumulate

import pyarrow as pa


def _validity(values: Sequence[object]) -> pa.Buffer | None:
    if all(v is not None for v in values):
        return None
    bits = bytearray((len(values) + 7) // 8)
    for i, value in enumerate(values):
        if value is not None:
            bits[i >> 3] |= 1 << (i & 7)
    return pa.py_buffer(bytes(bits))


def text_array(values: Sequence[str | None]) -> pa.Array:
    """A ``large_string`` array of ``values`` (None is null)."""
    encoded = [b"" if v is None else v.encode("utf-8", "surrogatepass") for v in values]
    offsets = array("q", [0])
    offsets.extend(accumulate(map(len, encoded)))
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(
        pa.large_string(), len(values), [_validity(values), pa.py_buffer(offsets), data]
    )


def int_array(values: Sequence[int | None]) -> pa.Array:
    """An ``int64`` array of ``values`` (None is null)."""
    data = array("q", [0 if v is None else v for v in values])
    return pa.Array.from_buffers(pa.int64(), len(values), [_validity(values), pa.py_buffer(data)])
