"""PSPLIB .sm importer: counts, names and numbers against the raw files, the makespan convention
(j301_1's published optimum 43 reached by CP-SAT on the imported instance), references, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.paths import DATA

from schedbench.datasets.importers import import_files
from schedbench.problems import SchedbenchError, parse_instance, verify

PSPLIB = DATA / "psplib"
pytestmark = pytest.mark.skipif(not PSPLIB.is_dir(), reason="../shared/data is absent")


def _raw_requests(path: Path) -> dict[int, tuple[int, list[int]]]:
    """job number -> (duration, demands), read straight from the REQUESTS/DURATIONS table."""
    lines = path.read_text().splitlines()
    start = next(i for i, t in enumerate(lines) if t.startswith("REQUESTS/DURATIONS"))
    out = {}
    for text in lines[start + 3 :]:
        if text.startswith("*"):
            break
        job, _mode, duration, *demands = map(int, text.split())
        out[job] = (duration, demands)
    return out


def _sample(family: str, count: int) -> list[Path]:
    files = sorted((PSPLIB / family).glob("*.sm"))
    return files[:: max(1, len(files) // count)][:count]


@pytest.mark.parametrize("family,count", [("j30", 20), ("j60", 3), ("j90", 3), ("j120", 3)])
def test_sample_matches_raw_files(family: str, count: int) -> None:
    n_tasks = int(family[1:])
    files = _sample(family, count)
    result = import_files("psplib", files)
    assert len(result.instances) == len(files) and not result.skipped
    for path, inst in zip(files, result.instances):
        parsed = parse_instance(inst)
        assert inst["name"] == path.stem
        assert inst["meta"]["family"] == family
        assert inst["meta"]["size"] == {
            "tasks": n_tasks,
            "resources": 4,
            "precedences": len(inst["precedences"]),
        }
        # PSPLIB job numbers are kept; the dummy source J1 and sink J<n+2> are dropped.
        assert parsed.task_names == tuple(f"J{k}" for k in range(2, n_tasks + 2))
        assert inst["meta"]["psplib"]["dummy_source"] == "J1"
        assert inst["meta"]["psplib"]["dummy_sink"] == f"J{n_tasks + 2}"
        raw = _raw_requests(path)
        for task in inst["tasks"]:
            duration, demands = raw[int(task["name"][1:])]
            assert task["duration"] == duration
            assert task["demands"] == {f"R{r + 1}": q for r, q in enumerate(demands) if q}


def test_j301_1_structure() -> None:
    inst = import_files("psplib", [PSPLIB / "j30" / "j301_1.sm"]).instances[0]
    assert [r["capacity"] for r in inst["resources"]] == [12, 13, 4, 12]
    assert inst["tasks"][0] == {"name": "J2", "duration": 8, "demands": {"R1": 4}}
    assert ["J2", "J6"] in inst["precedences"] and ["J31", "J32"] not in inst["precedences"]
    assert not any("J1" in edge or "J32" in edge for edge in inst["precedences"])
    assert inst["meta"]["psplib"]["horizon"] == 158
    assert inst["meta"]["source"] == {
        "format": "psplib",
        "file": str(PSPLIB / "j30" / "j301_1.sm"),
        "provenance": "PSPLIB (Kolisch & Sprecher 1996)",
    }


def _cpsat_makespan(inst) -> tuple[int, dict]:
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    horizon = int(inst.durations.sum())
    starts, ends, intervals = [], [], []
    for k, duration in enumerate(inst.durations.tolist()):
        start = model.new_int_var(0, horizon, f"s{k}")
        end = model.new_int_var(0, horizon, f"e{k}")
        intervals.append(model.new_interval_var(start, duration, end, f"i{k}"))
        starts.append(start)
        ends.append(end)
    for r, capacity in enumerate(inst.capacities.tolist()):
        model.add_cumulative(intervals, inst.demands[:, r].tolist(), capacity)
    for before, after in inst.precedences.tolist():
        model.add(starts[after] >= ends[before])
    makespan = model.new_int_var(0, horizon, "makespan")
    model.add_max_equality(makespan, ends)
    model.minimize(makespan)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 30
    assert solver.solve(model) == cp_model.OPTIMAL
    starts_by_name = {name: solver.value(s) for name, s in zip(inst.task_names, starts)}
    return solver.value(makespan), starts_by_name


def test_j301_1_optimum_matches_published_value() -> None:
    """Dropping the dummies keeps PSPLIB's makespan: the optimum is the published 43, and the
    verifier agrees on the CP-SAT schedule."""
    result = import_files("psplib", [PSPLIB / "j30" / "j301_1.sm"], PSPLIB / "reference.csv")
    raw = result.instances[0]
    assert raw["meta"]["reference"]["value"] == 43 and raw["meta"]["reference"]["kind"] == "optimal"
    inst = parse_instance(raw)
    optimum, starts = _cpsat_makespan(inst)
    assert optimum == 43
    check = verify(inst, {"instance": inst.name, "starts": starts})
    assert check.feasible and check.objective == 43


def test_references_attached_with_kind() -> None:
    files = [PSPLIB / "j30" / "j301_1.sm", PSPLIB / "j60" / "j609_1.sm"]
    refs = {
        i["name"]: i["meta"]["reference"]
        for i in import_files("psplib", files, PSPLIB / "reference.csv").instances
    }
    assert refs["j301_1"] == {
        "value": 43,
        "kind": "optimal",
        "lower_bound": 43,
        "upper_bound": 43,
        "source": "optalcp 4 workers 600s: Optimum obj=43 lb=43 | cpoptimizer 4 workers 600s: Optimum obj=43 lb=43",
    }
    assert refs["j609_1"]["kind"] == "best_known"
    assert (refs["j609_1"]["lower_bound"], refs["j609_1"]["value"]) == (82, 87)


def _write_variant(tmp_path: Path, edit) -> Path:
    lines = (PSPLIB / "j30" / "j301_1.sm").read_text().splitlines()
    path = tmp_path / "j301_1.sm"
    path.write_text("\n".join(edit(lines)) + "\n")
    return path


def test_short_successor_line_is_located(tmp_path: Path) -> None:
    # line 20 is job 2: '2  1  3  6 11 15'; drop the last successor
    path = _write_variant(tmp_path, lambda ls: [*ls[:19], ls[19].rsplit(None, 1)[0], *ls[20:]])
    with pytest.raises(SchedbenchError) as err:
        import_files("psplib", [path])
    assert str(err.value) == f"{path}:20: successors: expected 6 integers, found 5"


def test_truncated_file_is_located(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, lambda ls: ls[:60])
    with pytest.raises(SchedbenchError) as err:
        import_files("psplib", [path])
    assert str(err.value) == f"{path}:60: requests/durations: expected 32 job rows, found 6"


def test_multi_mode_is_refused(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, lambda ls: [*ls[:19], ls[19].replace("1", "2", 2), *ls[20:]])
    with pytest.raises(SchedbenchError, match=r":20: #modes: job 2 has 2 modes"):
        import_files("psplib", [path])
