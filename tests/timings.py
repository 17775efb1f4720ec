"""Write ``tests/timings.json`` from a run's durations: seconds per test module.

    python -m pytest -n 2 --dist loadscope --durations=0 | tee run.log
    python -m tests.timings run.log

The suite hands its modules to the xdist workers longest first (``conftest.py``); the
times only order the work, so a stale file makes the suite slower, never wrong.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

LINE = re.compile(r"^(?:\d+ )?\s*(\d+(?:\.\d+)?)s (?:setup|call|teardown)\s+(tests/\S+?\.py)::")
OUT = Path(__file__).with_name("timings.json")


def module_times(lines: list[str]) -> dict[str, float]:
    """Seconds per module (setup, call and teardown of each of its tests), longest first."""
    times: dict[str, float] = defaultdict(float)
    for line in lines:
        found = LINE.match(line)
        if found:
            times[found[2]] += float(found[1])
    return {m: round(t, 1) for m, t in sorted(times.items(), key=lambda kv: -kv[1])}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.timings DURATIONS_LOG", file=sys.stderr)
        return 2
    times = module_times(Path(argv[0]).read_text(encoding="utf-8").splitlines())
    if not times:
        print(f"{argv[0]}: no durations in it (run pytest with --durations=0)", file=sys.stderr)
        return 1
    OUT.write_text(json.dumps(times, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(times)} modules, {sum(times.values()):,.0f} s in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
