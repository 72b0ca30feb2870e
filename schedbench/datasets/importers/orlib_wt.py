"""OR-Library single-machine weighted tardiness files (`wt40`, `wt50`, `wt100`) -> smtt instances.

One file holds all instances back to back, each as n processing times, n weights, n due dates
(whitespace separated, any line breaks). n comes from the file name (`wt40.txt` -> 40). Instances
are named `wt40_001`, `wt40_002`, ... in file order; jobs `J1`..`Jn`.
"""

from __future__ import annotations

import re
from pathlib import Path

from schedbench.datasets.importers.base import INSTANCE_SCHEMA, ImportResult, read_lines, source_meta
from schedbench.problems.errors import SchedbenchError

FORMAT = "orlib-wt"
PROVENANCE = "OR-Library weighted tardiness (Beasley; Crauwels, Potts & Van Wassenhove 1998)"
SUFFIXES = (".txt",)
_FIELDS = ("processing times", "weights", "due dates")


def jobs_from_name(path: str) -> tuple[str, int]:
    """(family, n) from a file name such as `wt40.txt`."""
    stem = Path(path).stem
    match = re.fullmatch(r"([A-Za-z]*?)(\d+)", stem)
    if not match or int(match.group(2)) < 1:
        raise SchedbenchError(
            "cannot tell the number of jobs from the file name; name it like wt40.txt", source=path
        )
    return stem.lower(), int(match.group(2))


def read(path: str) -> ImportResult:
    """Read every instance in an OR-Library weighted tardiness file."""
    family, n = jobs_from_name(path)
    numbers: list[int] = []
    lines_of: list[int] = []
    for line_no, text in enumerate(read_lines(path), 1):
        for token in text.split():
            if not re.fullmatch(r"[+-]?\d+", token):
                block = (len(numbers) // n) % 3
                raise SchedbenchError(
                    f"expected an integer, found {token!r}", source=path, line=line_no, field=_FIELDS[block]
                )
            numbers.append(int(token))
            lines_of.append(line_no)
    per_instance = 3 * n
    if not numbers or len(numbers) % per_instance:
        complete, rest = divmod(len(numbers), per_instance)
        raise SchedbenchError(
            f"truncated: {len(numbers)} numbers is not a whole number of instances of 3 x {n} "
            f"({complete} complete, {rest} left over)",
            source=path,
            line=lines_of[-1] if lines_of else 1,
            field=_FIELDS[min(rest // n, 2)],
        )

    result = ImportResult()
    count = len(numbers) // per_instance
    for k in range(count):
        base = k * per_instance
        p, w, d = (numbers[base + f * n : base + (f + 1) * n] for f in range(3))
        for f, values in enumerate((p, w)):
            if min(values) < 0:
                at = base + f * n + values.index(min(values))
                raise SchedbenchError(
                    f"instance {k + 1}: negative value {min(values)}",
                    source=path,
                    line=lines_of[at],
                    field=_FIELDS[f],
                )
        name = f"{family}_{k + 1:03d}"
        result.instances.append(
            {
                "schema": INSTANCE_SCHEMA,
                "problem": "smtt",
                "name": name,
                "jobs": [
                    {"name": f"J{j + 1}", "processing_time": p[j], "due_date": d[j], "weight": w[j]}
                    for j in range(n)
                ],
                "meta": {
                    "source": source_meta(FORMAT, path, PROVENANCE, index=k + 1, line=lines_of[base]),
                    "family": family,
                    "size": {"jobs": n},
                },
            }
        )
    return result
