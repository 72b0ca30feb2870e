"""References: the known value of an instance, what it claims to be, where it comes from; and gaps.

A reference is a claim with its provenance: ``optimal`` (proven), ``best_known`` (a schedule reaches it,
nobody proved it optimal), ``lower_bound`` (only a bound is known) or ``upper_bound``. The same words are
used by every command; a solve result that is feasible but not proven optimal is ``best_known``.

References come from an instance's ``meta`` (``meta.reference`` as the importers attach it, or the
smtt-paper's ``reference_total_tardiness``, a claimed optimum) or from a file: a ``reference.csv``
(``instance,lower_bound,upper_bound,closed,source``), an earlier solve output, or a JSONL of instances.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from schedbench.datasets.files import StrPath, read_text, split_lines
from schedbench.datasets.jsonl import JsonValue, iter_jsonl
from schedbench.problems import Instance, SchedbenchError, verify
from schedbench.registry import Word

CSV_COLUMNS = ("instance", "lower_bound", "upper_bound", "closed", "source")


class ReferenceKind(Word):
    """What a reference value claims to be."""

    OPTIMAL = "optimal"
    BEST_KNOWN = "best_known"
    LOWER_BOUND = "lower_bound"
    UPPER_BOUND = "upper_bound"


CONTRADICTED_KINDS = (
    ReferenceKind.OPTIMAL,
    ReferenceKind.LOWER_BOUND,
)  # a schedule below these disproves them
IMPROVABLE_KINDS = (
    ReferenceKind.BEST_KNOWN,
    ReferenceKind.UPPER_BOUND,
)  # a schedule below these improves them


def _kind(value: object) -> ReferenceKind:
    try:
        return ReferenceKind(value)
    except ValueError:
        known = ", ".join(k.value for k in ReferenceKind)
        raise SchedbenchError(f"unknown reference kind {value!r}; known: {known}", field="kind") from None


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Reference:
    """A reference value for one instance (None for a bound-only claim), its kind and provenance."""

    value: int | None
    kind: ReferenceKind
    source: str = ""
    lower_bound: int | None = None
    upper_bound: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _kind(self.kind))

    @classmethod
    def from_bounds(cls, lower: int | None, upper: int | None, *, closed: bool, source: str) -> Reference:
        """A reference from known bounds: ``optimal`` when closed, else ``best_known`` if a schedule reaches
        ``upper``, else ``lower_bound`` (value None)."""
        if closed:
            kind = ReferenceKind.OPTIMAL
        elif upper is not None:
            kind = ReferenceKind.BEST_KNOWN
        else:
            kind = ReferenceKind.LOWER_BOUND
        return cls(upper, kind, source, lower, upper)

    @classmethod
    def from_meta(cls, meta: Mapping[str, JsonValue]) -> Reference | None:
        """``meta["reference"]`` as importers attach it, else the smtt-paper's ``reference_total_tardiness``
        (a claimed optimum); None when the instance has neither. A bound-only reference takes its bound as
        value."""
        ref = meta.get("reference")
        if isinstance(ref, dict) and ref.get("kind"):
            kind = _kind(ref["kind"])
            value = ref.get("value")
            if value is None and kind is ReferenceKind.LOWER_BOUND:
                value = ref.get("lower_bound")
            return cls(
                _int_or_none(value),
                kind,
                str(ref.get("source") or ""),
                _int_or_none(ref.get("lower_bound")),
                _int_or_none(ref.get("upper_bound")),
            )
        value = meta.get("reference_total_tardiness")
        if isinstance(value, int) and not isinstance(value, bool):
            return cls.from_bounds(
                value, value, closed=True, source="meta.reference_total_tardiness (claimed optimal)"
            )
        return None

    def to_meta(self) -> dict[str, JsonValue]:
        """The ``meta["reference"]`` block."""
        return {
            "value": self.value,
            "kind": self.kind.value,
            "lower_bound": self.lower_bound,
            "upper_bound": self.upper_bound,
            "source": self.source,
        }

    def bounds(self) -> tuple[int | None, int | None]:
        """(lower, upper) bounds the reference implies: an optimum is both, a best-known or upper-bound value
        an upper bound, a lower-bound value a lower bound; explicit bounds win."""
        lower, upper, value = self.lower_bound, self.upper_bound, self.value
        if value is not None:
            if self.kind is ReferenceKind.OPTIMAL:
                lower = value if lower is None else lower
                upper = value if upper is None else upper
            elif self.kind in IMPROVABLE_KINDS and upper is None:
                upper = value
            elif self.kind is ReferenceKind.LOWER_BOUND and lower is None:
                lower = value
        return lower, upper


# ---- gaps ------------------------------------------------------------------------------------------
def gap_pct(value: float | None, reference: float | None) -> float | None:
    """The EDDC/MDDC paper's percent gap ``100 (value - ref) / ref``; None unless both are known and ref > 0."""
    if value is None or reference is None or reference <= 0:
        return None
    return 100.0 * (value - reference) / reference


def sample_gap_pct(value: float | None, base: float | None) -> float | None:
    """The gap of one LLM answer (percent, 6 decimals): :func:`gap_pct`, and 0 when value and a base of 0
    are equal (matching a zero reference is no gap). Same inputs and outputs as ``llm_eval.runner._pct``."""
    if value is None or base is None:
        return None
    if base > 0:
        return round(100.0 * (value - base) / base, 6)
    return 0.0 if value == base else None


def mip_gap(objective: int | None, bound: int | None) -> float | None:
    """The solver's fractional optimality gap ``(objective - bound) / max(|objective|, 1)``, 6 decimals."""
    if objective is None or bound is None:
        return None
    if objective == bound:
        return 0.0
    return round((objective - bound) / max(abs(objective), 1), 6)


# ---- solve results ---------------------------------------------------------------------------------
def solver_name(record: Mapping[str, JsonValue]) -> str:
    """The solver's name in a solve result: ``solver.name`` (an object), the 0.1 string, or ``?``."""
    solver = record.get("solver")
    if isinstance(solver, dict):
        return str(solver.get("name") or "?")
    return solver if isinstance(solver, str) and solver else "?"


def reference_from_solve_result(record: Mapping[str, JsonValue], source: str) -> Reference | None:
    """The reference a solve result claims: ``optimal`` when proven, ``best_known`` for a schedule not
    proven optimal, ``lower_bound`` when only a bound is known; None for errors and infeasibility.

    The objective is taken as claimed; :func:`load_references` re-verifies the schedule when it can.
    """
    status = record.get("status")
    objective = _int_or_none(record.get("objective"))
    bound = _int_or_none(record.get("bound")) if status != "error" else None
    if status == "optimal" and objective is not None:
        return Reference(objective, ReferenceKind.OPTIMAL, source, bound, objective)
    if status in ("optimal", "feasible", "unknown"):
        if objective is not None:
            return Reference(objective, ReferenceKind.BEST_KNOWN, source, bound, objective)
        if bound is not None:
            return Reference(bound, ReferenceKind.LOWER_BOUND, source, bound, None)
    return None


def _verified(inst: Instance, record: Mapping[str, JsonValue], source: str) -> Reference | None:
    """The solve result's reference with its objective re-verified on the instance.

    A schedule the verifier rejects gives no reference; a line without a schedule keeps only its bound.
    """
    claimed = reference_from_solve_result(record, source)
    if claimed is None:
        return None
    if "starts" not in record and "sequence" not in record:
        if claimed.lower_bound is None:
            return None
        return Reference(claimed.lower_bound, ReferenceKind.LOWER_BOUND, source, claimed.lower_bound)
    check = verify(inst, dict(record))
    if not check.feasible or check.objective is None:
        return None
    if claimed.kind is ReferenceKind.LOWER_BOUND:
        claimed = replace(claimed, kind=ReferenceKind.BEST_KNOWN)
    return replace(claimed, value=check.objective, upper_bound=check.objective)


def reference_for_sample(
    inst: Instance, solutions: Mapping[str, Mapping[str, JsonValue]], source: str | None
) -> dict[str, JsonValue] | None:
    """The reference block of an LLM sample: from a solve output when it has an objective, else
    ``meta.reference`` as it is. Same inputs and outputs as ``llm_eval.runner.reference_for`` (the
    ``source`` is ``""`` rather than None when no file was given)."""
    sol = solutions.get(inst.name)
    if sol is not None and sol.get("objective") is not None:
        kind = ReferenceKind.OPTIMAL if sol.get("status") == "optimal" else ReferenceKind.BEST_KNOWN
        objective = _int_or_none(sol["objective"])
        return Reference(objective, kind, source or "", _int_or_none(sol.get("bound")), objective).to_meta()
    ref = inst.meta.get("reference")
    return dict(ref) if isinstance(ref, dict) else None


# ---- files -----------------------------------------------------------------------------------------
def _optional_int(text: str, *, path: str, line: int, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"[+-]?\d+", text):
        raise SchedbenchError(
            f"expected an integer or nothing, found {text!r}", source=path, line=line, field=field
        )
    return int(text)


def read_reference_csv(path: StrPath) -> dict[str, dict[str, JsonValue]]:
    """``reference.csv`` rows as ``{instance key: meta["reference"] block}``."""
    path = str(path)
    reader = csv.reader(split_lines(read_text(path)))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header[: len(CSV_COLUMNS)]) != CSV_COLUMNS:
        raise SchedbenchError(
            f"expected the header {','.join(CSV_COLUMNS)}", source=path, line=1, field="header"
        )
    out: dict[str, dict[str, JsonValue]] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(CSV_COLUMNS):
            raise SchedbenchError(
                f"expected {len(CSV_COLUMNS)} columns, found {len(row)}", source=path, line=line, field="row"
            )
        key = row[0].strip()
        lower = _optional_int(row[1], path=path, line=line, field="lower_bound")
        upper = _optional_int(row[2], path=path, line=line, field="upper_bound")
        closed_text = row[3].strip().lower()
        if closed_text not in ("true", "false", "1", "0"):
            raise SchedbenchError(
                f"expected True or False, found {row[3]!r}", source=path, line=line, field="closed"
            )
        closed = closed_text in ("true", "1")
        if lower is not None and upper is not None and lower > upper:
            raise SchedbenchError(
                f"lower bound {lower} > upper bound {upper}", source=path, line=line, field="lower_bound"
            )
        if closed and (lower is None or lower != upper):
            raise SchedbenchError(
                f"closed, but lower bound {lower} != upper bound {upper}",
                source=path,
                line=line,
                field="closed",
            )
        if not key or key in out:
            raise SchedbenchError(
                f"empty or repeated instance {key!r}", source=path, line=line, field="instance"
            )
        out[key] = Reference.from_bounds(lower, upper, closed=closed, source=row[4].strip()).to_meta()
    return out


def csv_keys(name: str, meta: Mapping[str, JsonValue]) -> list[str]:
    """The keys a ``reference.csv`` row may use for an instance: its name, and ``<folder>/<name>`` where
    folder holds the file it was imported from (``dmu/cscmax_20_15_1``)."""
    source = meta.get("source")
    file = source.get("file") if isinstance(source, dict) else None
    return [name, f"{Path(str(file)).parent.name}/{name}"] if file else [name]


def _is_solve_result(record: Mapping[str, JsonValue]) -> bool:
    return "instance" in record and "status" in record


def _scan_jsonl(path: StrPath) -> tuple[dict[str, Reference], dict[str, Mapping[str, JsonValue]]]:
    """(references of the instance lines, last solve result per instance) of a JSONL file."""
    claims: dict[str, Reference] = {}
    solutions: dict[str, Mapping[str, JsonValue]] = {}
    for line, record in iter_jsonl(path):
        if not isinstance(record, dict):
            raise SchedbenchError("expected a JSON object", source=str(path), line=line)
        if _is_solve_result(record):
            solutions[str(record["instance"])] = record
            continue
        if "name" in record and isinstance(record.get("meta"), dict):
            ref = Reference.from_meta(record["meta"])
        elif "name" in record and "reference_total_tardiness" in record:  # the smtt-paper's raw lines
            ref = Reference.from_meta(record)
        else:
            raise SchedbenchError(
                "neither a solve result (instance, status) nor an instance with a reference",
                source=str(path),
                line=line,
            )
        if ref is not None:
            claims[str(record["name"])] = ref
    return claims, solutions


def _solve_source(path: StrPath, record: Mapping[str, JsonValue]) -> str:
    return f"{Path(path).name} ({solver_name(record)})"


def read_reference_file(path: StrPath) -> dict[str, Reference]:
    """References by key from a ``reference.csv``, a solve output or a JSONL of instances, as claimed
    (nothing re-verified; :func:`load_references` verifies solve outputs against their instances)."""
    if str(path).endswith(".csv"):
        return {key: _from_block(block) for key, block in read_reference_csv(path).items()}
    refs, solutions = _scan_jsonl(path)
    for name, record in solutions.items():
        ref = reference_from_solve_result(record, _solve_source(path, record))
        if ref is not None:
            refs[name] = ref
    return refs


def _from_block(block: Mapping[str, JsonValue]) -> Reference:
    ref = Reference.from_meta({"reference": block})
    if ref is None:
        raise SchedbenchError("a reference block needs a kind", field="reference.kind")
    return ref


def reference_of(inst: Instance, table: Mapping[str, Reference] | None) -> Reference | None:
    """The reference of an instance: the table's entry (by name or folder/name), else its ``meta``."""
    if table:
        for key in csv_keys(inst.name, inst.meta):
            if key in table:
                return table[key]
    return Reference.from_meta(inst.meta)


def load_references(instances: Sequence[Instance], path: StrPath | None = None) -> dict[str, Reference]:
    """References by instance name: the entry in ``path`` first, else the instance's ``meta``.

    ``path`` is a ``reference.csv``, a JSONL of instances or a solve output. A solve output's last line per
    instance counts; its schedule is re-verified on the instance and its value is the verified objective
    (a schedule the verifier rejects gives no reference; a line without a schedule keeps only its bound).
    """
    table: dict[str, Reference] = {}
    if path is not None and str(path).endswith(".csv"):
        table = read_reference_file(path)
    elif path is not None:
        by_name = {inst.name: inst for inst in instances}
        table, solutions = _scan_jsonl(path)
        for name, record in solutions.items():
            if name in by_name:
                ref = _verified(by_name[name], record, _solve_source(path, record))
                if ref is not None:
                    table[name] = ref
    refs: dict[str, Reference] = {}
    for inst in instances:
        ref = reference_of(inst, table)
        if ref is not None:
            refs[inst.name] = ref
    return refs


# ---- checking a result -----------------------------------------------------------------------------
def check_result(
    result: Mapping[str, JsonValue], ref: Reference | Mapping[str, JsonValue]
) -> dict[str, JsonValue]:
    """Compare a verified solve result with a reference (a `Reference` or a ``meta["reference"]`` block).

    ``flags`` are contradictions (a verified schedule below the reference's lower bound or optimum, a
    proven bound above a value the reference claims to have reached, a proof of infeasibility against a
    known schedule); ``notes`` are good news such as a new best known value.
    """
    if not isinstance(ref, Reference):
        ref = _from_block(ref)
    lower, upper = ref.bounds()
    status = result.get("status")
    objective = result.get("objective") if status in ("optimal", "feasible") else None
    bound = result.get("bound") if status != "error" else None
    optimal_ref = ref.kind is ReferenceKind.OPTIMAL
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
    return {"reference": ref.to_meta(), "flags": flags, "notes": notes}
