"""The EDDC/MDDC paper's SMTT test sets (arXiv 2510.24013), converted to JSONL -> smtt instances.

Each line: `name`, `rdd`, `tf`, `p` (processing times), `d` (due dates), `reference_total_tardiness`.
Negative due dates are legal and kept. Instances with a non-positive processing time (the paper's
`n20_normal` set has them) are left out and reported as skipped, never repaired.
The authors' reference value becomes `meta["reference"]` with kind `optimal`, marked as their claim.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from schedbench.datasets.importers.base import INSTANCE_SCHEMA, ImportResult, source_meta
from schedbench.datasets.jsonl import iter_jsonl
from schedbench.problems.errors import SchedbenchError

FORMAT = "smtt-paper"
PROVENANCE = "arXiv 2510.24013 (EDDC/MDDC paper) test sets, ibrahimoguzc/DiscoverHeuristics"
SUFFIXES = (".jsonl",)
REFERENCE_SOURCE = "arXiv 2510.24013 (EDDC/MDDC paper): value the authors recorded as optimal; their claim, not verified here"


def _int_list(row: dict[str, Any], key: str, *, path: str, line: int) -> list[int]:
    values = row.get(key)
    if not isinstance(values, list) or not values:
        raise SchedbenchError("expected a non-empty list of integers", source=path, line=line, field=key)
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool):
            raise SchedbenchError(f"expected integers, found {value!r}", source=path, line=line, field=key)
    return values


def _number(row: dict[str, Any], key: str, *, path: str, line: int) -> float:
    value = row.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise SchedbenchError(f"expected a number, found {value!r}", source=path, line=line, field=key)
    return value


def read(path: str) -> ImportResult:
    """Read a smtt-paper JSONL file; instances with non-positive processing times go to `skipped`."""
    family = Path(path).stem
    result = ImportResult()
    for line, row in iter_jsonl(path):
        if not isinstance(row, dict):
            raise SchedbenchError("expected a JSON object", source=path, line=line)
        name = row.get("name")
        if not isinstance(name, str) or not name:
            raise SchedbenchError("expected a non-empty string", source=path, line=line, field="name")
        p = _int_list(row, "p", path=path, line=line)
        d = _int_list(row, "d", path=path, line=line)
        if len(p) != len(d):
            raise SchedbenchError(
                f"{len(p)} processing times but {len(d)} due dates", source=path, line=line, field="d"
            )
        rdd = _number(row, "rdd", path=path, line=line)
        tf = _number(row, "tf", path=path, line=line)
        reference = row.get("reference_total_tardiness")
        if reference is not None and (
            not isinstance(reference, int) or isinstance(reference, bool) or reference < 0
        ):
            raise SchedbenchError(
                f"expected a non-negative integer or null, found {reference!r}",
                source=path,
                line=line,
                field="reference_total_tardiness",
            )

        bad = [(j + 1, value) for j, value in enumerate(p) if value <= 0]
        if bad:
            listing = ", ".join(f"J{j}={value}" for j, value in bad)
            result.skipped.append((name, f"non-positive processing time ({listing})"))
            continue
        meta: dict[str, Any] = {
            "source": source_meta(FORMAT, path, PROVENANCE, line=line),
            "family": family,
            "size": {"jobs": len(p)},
            "rdd": rdd,
            "tf": tf,
        }
        if reference is not None:
            meta["reference"] = {
                "value": reference,
                "kind": "optimal",
                "lower_bound": reference,
                "upper_bound": reference,
                "source": REFERENCE_SOURCE,
            }
        result.instances.append(
            {
                "schema": INSTANCE_SCHEMA,
                "problem": "smtt",
                "name": name,
                "jobs": [
                    {"name": f"J{j + 1}", "processing_time": pj, "due_date": dj}
                    for j, (pj, dj) in enumerate(zip(p, d))
                ],
                "meta": meta,
            }
        )
    return result
