"""Reference values to check solver results against, and the check itself.

A reference is the `meta["reference"]` block of the importers:
`{"value", "kind": optimal|best_known|lower_bound|upper_bound, "lower_bound", "upper_bound", "source"}`.
They come from an instance's meta or from a `--references` file: a `reference.csv`
(`instance,lower_bound,upper_bound,closed,source`), an earlier solve output (JSONL of solutions), or a
JSONL of instances carrying `meta.reference`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from schedbench.problems import SchedbenchError


def _block(lower: int | None, upper: int | None, closed: bool, source: str) -> dict[str, Any]:
    kind = "optimal" if closed else ("best_known" if upper is not None else "lower_bound")
    return {"value": upper, "kind": kind, "lower_bound": lower, "upper_bound": upper, "source": source}


def load_references(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """`{instance name: reference block}` from a reference.csv or a JSONL of solutions or instances."""
    path = str(path)
    if path.endswith(".csv"):
        from schedbench.datasets.importers.references import read_reference_csv

        return read_reference_csv(path)
    from schedbench.datasets import iter_jsonl

    out: dict[str, dict[str, Any]] = {}
    origin = Path(path).name
    for line, rec in iter_jsonl(path):
        if not isinstance(rec, dict):
            raise SchedbenchError("expected a JSON object", source=path, line=line)
        if isinstance(rec.get("meta"), dict) and isinstance(rec["meta"].get("reference"), dict):
            out[str(rec.get("name"))] = rec["meta"]["reference"]
        elif "instance" in rec and "status" in rec:
            ref = _from_solution(rec, f"{origin}:{line}")
            if ref is not None:
                out[str(rec["instance"])] = ref
        elif "name" in rec and "reference_total_tardiness" in rec:
            value = int(rec["reference_total_tardiness"])
            out[str(rec["name"])] = _block(value, value, True, f"{origin}:{line} (claimed optimal)")
        else:
            raise SchedbenchError(
                "neither a solution (instance, status) nor an instance with meta.reference",
                source=path,
                line=line,
            )
    return out


def _from_solution(rec: dict[str, Any], source: str) -> dict[str, Any] | None:
    status, objective, bound = rec.get("status"), rec.get("objective"), rec.get("bound")
    solver = (rec.get("solver") or {}).get("name", "?")
    if status == "optimal" and objective is not None:
        return _block(int(objective), int(objective), True, f"{source} ({solver}, optimal)")
    if status in ("feasible", "unknown") and (objective is not None or bound is not None):
        lower = None if bound is None else int(bound)
        upper = None if objective is None else int(objective)
        return _block(lower, upper, False, f"{source} ({solver}, {status})")
    return None


def reference_of(inst: Any, table: dict[str, dict[str, Any]] | None) -> dict[str, Any] | None:
    """The reference for an instance: the table's entry first, else `meta["reference"]`."""
    if table and inst.name in table:
        return table[inst.name]
    ref = inst.meta.get("reference") if isinstance(inst.meta, dict) else None
    return ref if isinstance(ref, dict) else None


def _bounds(ref: dict[str, Any]) -> tuple[int | None, int | None]:
    lower, upper = ref.get("lower_bound"), ref.get("upper_bound")
    value, kind = ref.get("value"), ref.get("kind")
    if value is not None:
        if kind == "optimal":
            lower = value if lower is None else lower
            upper = value if upper is None else upper
        elif kind in ("best_known", "upper_bound") and upper is None:
            upper = value
        elif kind == "lower_bound" and lower is None:
            lower = value
    return lower, upper


def check_result(result: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    """Compare a verified result with a reference.

    `flags` are contradictions (a verified schedule below the reference's lower bound or optimum, a
    proven bound above a value the reference claims to have reached, a proof of infeasibility against a
    known schedule); `notes` are good news such as a new best known value.
    """
    lower, upper = _bounds(ref)
    status = result.get("status")
    objective = result.get("objective") if status in ("optimal", "feasible") else None
    bound = result.get("bound") if status != "error" else None
    optimal_ref = ref.get("kind") == "optimal"
    flags: list[str] = []
    notes: list[str] = []
    if objective is not None and lower is not None and objective < lower:
        what = "optimum" if optimal_ref else "lower bound"
        flags.append(
            f"verified objective {objective} beats the reference {what} {lower}: the reference is wrong, or the model is"
        )
    if bound is not None and upper is not None and bound > upper:
        flags.append(
            f"proven bound {bound} exceeds the reference value {upper} that a schedule supposedly reaches: "
            "the reference is wrong, or the model is"
        )
    if status == "infeasible" and result.get("infeasible_proven") and upper is not None:
        flags.append(f"proved infeasible, but the reference reports a schedule of value {upper}")
    if not flags and objective is not None and upper is not None:
        if objective < upper:
            notes.append(f"improves the best known value {upper} to {objective}")
        elif objective == upper:
            notes.append("matches the reference value")
    if not flags and status == "optimal" and not optimal_ref and objective is not None:
        notes.append(f"closes the instance at {objective}")
    return {"reference": ref, "flags": flags, "notes": notes}
