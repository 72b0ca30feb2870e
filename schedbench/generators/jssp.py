"""Job shop instances with Taillard's (1993) own generator, so published seeds give published instances.

Taillard draws all processing times first (job by job, ``unif(time_seed, 1, 99)``), then, per job,
starts from the identity machine order and swaps position ``j`` with ``unif(machine_seed, j, m-1)``.
Plain seeded generation runs the same procedure with seeds drawn from ``seed``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from schedbench import __version__
from schedbench.generators._random import LEHMER_M, TaillardRandom, check_seed, stream
from schedbench.problems.base import INSTANCE_SCHEMA_ID
from schedbench.problems.errors import SchedbenchError

GENERATOR = "taillard1993-jssp"

# ta01..ta80 from Taillard (1993), Table 7: name, jobs, machines, time seed, machine seed.
_PUBLISHED = """
ta01 15 15 840612802 398197754
ta02 15 15 1314640371 386720536
ta03 15 15 1227221349 316176388
ta04 15 15 342269428 1806358582
ta05 15 15 1603221416 1501949241
ta06 15 15 1357584978 1734077082
ta07 15 15 44531661 1374316395
ta08 15 15 302545136 2092186050
ta09 15 15 1153780144 1393392374
ta10 15 15 73896786 1544979948
ta11 20 15 533484900 317419073
ta12 20 15 1894307698 1474268163
ta13 20 15 874340513 509669280
ta14 20 15 1124986343 1209573668
ta15 20 15 1463788335 529048107
ta16 20 15 1056908795 25321885
ta17 20 15 195672285 1717580117
ta18 20 15 961965583 1353003786
ta19 20 15 1610169733 1734469503
ta20 20 15 532794656 998486810
ta21 20 20 1035939303 773961798
ta22 20 20 5997802 1872541150
ta23 20 20 1357503601 722225039
ta24 20 20 806159563 1166962073
ta25 20 20 1902815253 1879990068
ta26 20 20 1503184031 1850351876
ta27 20 20 1032645967 99711329
ta28 20 20 229894219 1158117804
ta29 20 20 823349822 108033225
ta30 20 20 1297900341 489486403
ta31 30 15 98640593 1981283465
ta32 30 15 1839268120 248890888
ta33 30 15 573875290 2081512253
ta34 30 15 1670898570 788294565
ta35 30 15 1118914567 1074349202
ta36 30 15 178750207 294279708
ta37 30 15 1549372605 596993084
ta38 30 15 798174738 151685779
ta39 30 15 553410952 1329272528
ta40 30 15 1661531649 1173386294
ta41 30 20 1841414609 1357882888
ta42 30 20 2116959593 1546338557
ta43 30 20 796392706 1230864158
ta44 30 20 532496463 254174057
ta45 30 20 2020525633 978943053
ta46 30 20 524444252 185526083
ta47 30 20 1569394691 487269855
ta48 30 20 1460267840 1631446539
ta49 30 20 198324822 1937476577
ta50 30 20 38071822 1541985579
ta51 50 15 17271 718939
ta52 50 15 660481279 449650254
ta53 50 15 352229765 949737911
ta54 50 15 1197518780 166840558
ta55 50 15 1376020303 483922052
ta56 50 15 2106639239 955932362
ta57 50 15 1765352082 1209982549
ta58 50 15 1105092880 1349003108
ta59 50 15 907248070 919544535
ta60 50 15 2011630757 1845447001
ta61 50 20 8493988 2738939
ta62 50 20 1991925010 709517751
ta63 50 20 342093237 786960785
ta64 50 20 1634043183 973178279
ta65 50 20 341706507 286513148
ta66 50 20 320167954 1411193018
ta67 50 20 1089696753 298068750
ta68 50 20 433032965 1589656152
ta69 50 20 615974477 331205412
ta70 50 20 236150141 592292984
ta71 100 20 302034063 1203569070
ta72 100 20 1437643198 1692025209
ta73 100 20 1792475497 1039908559
ta74 100 20 1647273132 1012841433
ta75 100 20 696480901 1689682358
ta76 100 20 1785569423 1092647459
ta77 100 20 117806902 739059626
ta78 100 20 1639154709 1319962509
ta79 100 20 2007423389 749368241
ta80 100 20 682761130 262763021
"""

TAILLARD_SEEDS: dict[str, tuple[int, int, int, int]] = {
    name: (int(n), int(m), int(ts), int(ms))
    for name, n, m, ts, ms in (line.split() for line in _PUBLISHED.strip().splitlines())
}


def parse_taillard_seeds(text: str, *, jobs: int, machines: int) -> list[tuple[int, int]]:
    """``"T:M,T:M"`` (time seed : machine seed) or published names (``"ta01,ta02"``) -> seed pairs."""
    pairs = []
    for part in text.replace(" ", "").split(","):
        if part.lower() in TAILLARD_SEEDS:
            n, m, ts, ms = TAILLARD_SEEDS[part.lower()]
            if (n, m) != (jobs, machines):
                raise SchedbenchError(f"{part} is {n}x{m}, not {jobs}x{machines}", field="taillard_seeds")
            pairs.append((ts, ms))
            continue
        time_seed, sep, machine_seed = part.partition(":")
        if not (sep and time_seed.isdigit() and machine_seed.isdigit()):
            raise SchedbenchError(
                f"cannot read {part!r}: give TIME_SEED:MACHINE_SEED pairs or names like ta01",
                field="taillard_seeds",
            )
        pairs.append((int(time_seed), int(machine_seed)))
    return pairs


def taillard_matrices(jobs: int, machines: int, time_seed: int, machine_seed: int):
    """Taillard's times and 0-based machine orders, each ``jobs`` lists of ``machines`` integers."""
    times_rng = TaillardRandom(time_seed)
    times = [[times_rng.unif(1, 99) for _ in range(machines)] for _ in range(jobs)]
    machine_rng = TaillardRandom(machine_seed)
    orders = []
    for _ in range(jobs):
        order = list(range(machines))
        for j in range(machines):
            k = machine_rng.unif(j, machines - 1)
            order[j], order[k] = order[k], order[j]
        orders.append(order)
    return times, orders


def _due_dates(times: list[list[int]], tightness: float) -> list[int]:
    """Total-work-content due dates: ``floor(tightness * sum of the job's processing times)``."""
    return [int(tightness * sum(row)) for row in times]


def _instance(
    name: str,
    jobs: int,
    machines: int,
    time_seed: int,
    machine_seed: int,
    due_date_tightness: float | None,
    meta_extra: dict,
) -> dict:
    times, orders = taillard_matrices(jobs, machines, time_seed, machine_seed)
    due = _due_dates(times, due_date_tightness) if due_date_tightness is not None else None
    job_dicts = []
    for j in range(jobs):
        job = {
            "name": f"J{j + 1}",
            "operations": [{"machine": mc, "duration": d} for mc, d in zip(orders[j], times[j], strict=True)],
        }
        if due is not None:
            job["due_date"] = due[j]
        job_dicts.append(job)
    meta = {
        "generator": GENERATOR,
        "schedbench_version": __version__,
        "parameters": {
            "jobs": jobs,
            "machines": machines,
            "due_date_tightness": due_date_tightness,
        },
        "time_seed": time_seed,
        "machine_seed": machine_seed,
        **meta_extra,
    }
    if due is not None:
        meta["due_date_rule"] = "floor(tightness * total processing time of the job)"
    return {
        "schema": INSTANCE_SCHEMA_ID,
        "problem": "jssp",
        "name": name,
        "machines": machines,
        "jobs": job_dicts,
        "meta": meta,
    }


def _check_size(jobs: int, machines: int) -> None:
    for what, value in (("jobs", jobs), ("machines", machines)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SchedbenchError(f"{what} must be a positive integer, got {value!r}", field=what)


def iter_jssp(
    *,
    jobs: int,
    machines: int,
    count: int = 1,
    seed: int | None = None,
    taillard_seeds: Sequence[tuple[int, int]] | None = None,
    due_date_tightness: float | None = None,
) -> Iterator[dict]:
    """Yield job shop instances (jobs x machines) by Taillard's procedure.

    With ``taillard_seeds`` (a list of ``(time_seed, machine_seed)``) one instance per pair, reproducing
    Taillard's published instances; otherwise ``count`` instances whose Taillard seeds are drawn from
    ``seed``. ``due_date_tightness`` f adds due dates ``floor(f * job work content)``.
    """
    _check_size(jobs, machines)
    if due_date_tightness is not None and not due_date_tightness > 0:
        raise SchedbenchError(f"due-date tightness must be positive, got {due_date_tightness}")
    if taillard_seeds:
        published = {(n, m, ts, ms): name for name, (n, m, ts, ms) in TAILLARD_SEEDS.items()}
        for time_seed, machine_seed in taillard_seeds:
            check = published.get((jobs, machines, time_seed, machine_seed))
            extra = {"taillard_name": check} if check else {}
            name = check or f"taillard_{jobs}x{machines}_{time_seed}_{machine_seed}"
            yield _instance(name, jobs, machines, time_seed, machine_seed, due_date_tightness, extra)
        return
    if count < 1:
        raise SchedbenchError(f"count must be at least 1, got {count}", field="count")
    seed = check_seed(seed)
    seeds = stream(seed).integers(1, LEHMER_M, size=(count, 2))
    for i, (time_seed, machine_seed) in enumerate(seeds.tolist()):
        extra = {"seed": seed, "index": i}
        name = f"jssp_{jobs}x{machines}_s{seed}_{i + 1}"
        yield _instance(name, jobs, machines, time_seed, machine_seed, due_date_tightness, extra)


def generate_jssp(**kwargs: Any) -> list[dict]:
    """The instances of :func:`iter_jssp` (same keyword arguments) as a list."""
    return list(iter_jssp(**kwargs))
