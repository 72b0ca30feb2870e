"""Reference values (known bounds) read from files and attached to instances as `meta["reference"]`.

Two kinds of file are understood:

* `reference.csv` with columns `instance,lower_bound,upper_bound,closed,source` (shared/data's PSPLIB
  and job shop tables), read by `schedbench.datasets.references.read_reference_csv`. A row matches an
  instance by name, or by `<folder>/<name>` where folder is the one holding the instance's file
  (`dmu/cscmax_20_15_1`).
* OR-Library weighted tardiness lists (`wtopt40.txt`, `wtopt50.txt`, `wtbest100a.txt`,
  `wtbest100b.txt`): one value per line in instance order, matched to `wt40_001`.. by family and
  position. Which values are proven optimal follows the OR-Library README.

`meta["reference"] = {"value", "kind", "lower_bound", "upper_bound", "source"}` where kind is
`optimal` (proven: lower bound = upper bound), `best_known` (an upper bound, the best solution
known) or `lower_bound` (only a bound known; value is None). An attached reference replaces any
reference the importer put there itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from schedbench.datasets.importers.base import read_lines
from schedbench.datasets.references import Reference, csv_keys, read_reference_csv
from schedbench.problems.errors import SchedbenchError

__all__ = ["ORLIB_WT_LISTS", "attach_references", "read_orlib_wt_list", "read_reference_csv"]

# file stem -> (family, numbers the OR-Library README lists as unsolved, whose best known values these are);
# every other number in a wtopt file is a proven optimum, every number in a wtbest file a best known value.
ORLIB_WT_LISTS: dict[str, tuple[str, frozenset[int], str]] = {
    "wtopt40": ("wt40", frozenset({19}), "Crauwels, Potts & Van Wassenhove (1996)"),
    "wtopt50": (
        "wt50",
        frozenset({11, 12, 14, 19, 36, 44, 66, 87, 88, 111}),
        "Crauwels, Potts & Van Wassenhove (1996)",
    ),
    "wtbest100a": ("wt100", frozenset(range(1, 126)), "Crauwels, Potts & Van Wassenhove (1998)"),
    "wtbest100b": ("wt100", frozenset(range(1, 126)), "Congram, Potts & van de Velde (1998), dynasearch"),
}


def read_orlib_wt_list(path: str) -> tuple[str, list[dict[str, Any]]]:
    """(family, reference block per instance in order) from an OR-Library wtopt/wtbest file."""
    stem = Path(path).stem.lower()
    if stem not in ORLIB_WT_LISTS:
        raise SchedbenchError(
            f"unknown weighted tardiness value list; expected one of {', '.join(sorted(ORLIB_WT_LISTS))}",
            source=path,
        )
    family, unsolved, who = ORLIB_WT_LISTS[stem]
    values: list[int] = []
    for line, text in enumerate(read_lines(path), 1):
        text = text.strip()
        if not text:
            continue
        if not re.fullmatch(r"\d+", text):
            raise SchedbenchError(
                f"expected one non-negative integer, found {text!r}", source=path, line=line
            )
        values.append(int(text))
    origin = f"OR-Library {Path(path).name}"
    refs = []
    for index, value in enumerate(values, 1):
        if index not in unsolved:
            refs.append(
                Reference.from_bounds(
                    value, value, closed=True, source=f"{origin}: optimal per the OR-Library README"
                ).to_meta()
            )
        elif stem.startswith("wtopt"):
            note = f"{origin}: best known to {who}; the OR-Library README lists it as unsolved"
            refs.append(Reference.from_bounds(None, value, closed=False, source=note).to_meta())
        else:
            refs.append(
                Reference.from_bounds(
                    None, value, closed=False, source=f"{origin}: best known to {who}"
                ).to_meta()
            )
    return family, refs


def _is_csv(path: str) -> bool:
    first = next((text for text in read_lines(path) if text.strip()), "")
    return first.strip().lower().startswith("instance,")


def attach_references(instances: list[dict[str, Any]], paths: list[str]) -> int:
    """Attach the references in `paths` to `instances` (in place); return how many instances got one.

    A file none of whose entries matches an imported instance is an error (most likely the wrong file).
    """
    attached: set[int] = set()
    for path in paths:
        matched = 0
        if _is_csv(path):
            table = read_reference_csv(path)
            for k, inst in enumerate(instances):
                ref = next(
                    (table[key] for key in csv_keys(inst["name"], inst.get("meta", {})) if key in table), None
                )
                if ref is not None:
                    inst.setdefault("meta", {})["reference"] = dict(ref)
                    attached.add(k)
                    matched += 1
        else:
            family, refs = read_orlib_wt_list(path)
            for k, inst in enumerate(instances):
                meta = inst.get("meta", {})
                index = meta.get("source", {}).get("index")
                if meta.get("family") != family or not isinstance(index, int):
                    continue
                if index > len(refs):
                    raise SchedbenchError(
                        f"holds {len(refs)} values, but instance {inst['name']} is number {index}",
                        source=path,
                    )
                meta["reference"] = dict(refs[index - 1])
                attached.add(k)
                matched += 1
        if not matched:
            raise SchedbenchError(
                "no entry matches an imported instance (wrong reference file?)", source=path
            )
    return len(attached)
