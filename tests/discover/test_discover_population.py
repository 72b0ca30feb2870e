"""The islands: one program per behavioural cluster (the shortest), the best `size` kept, exact duplicates
found before anything runs; and in a real run's snapshots no island holds two programs that behave alike."""

from __future__ import annotations

import json

import numpy as np

from schedbench.discover.population import Candidate, Population, best_validated
from schedbench.discover.scoring import Score


def _cand(cid: str, objectives: list[int], fitness: float, code_chars: int) -> Candidate:
    score = Score(objectives=objectives, fitness=fitness)
    return Candidate(cid, "x" * code_chars, f"ast-{cid}", score, "m1", [])


def test_a_cluster_keeps_its_shortest_program_whatever_the_order():
    for order in ([0, 1], [1, 0]):
        pop = Population(islands=1, size=4)
        twins = [_cand("long", [5, 7], 1.0, 300), _cand("short", [5, 7], 1.0, 120)]
        for k in order:
            pop.add(twins[k])
            pop.insert(0, twins[k])
        assert pop.islands[0] == ["short"]


def test_a_longer_program_of_the_same_behaviour_never_enters():
    pop = Population(islands=1, size=4)
    first = _cand("a", [3, 3], 2.0, 100)
    pop.add(first)
    assert pop.insert(0, first)
    assert not pop.insert(0, _cand("b", [3, 3], 2.0, 101))
    assert pop.insert(0, _cand("c", [3, 2], 1.5, 500))  # other behaviour: its own cluster
    assert pop.islands[0] == ["c", "a"]


def test_an_island_keeps_its_best_size_programs():
    pop = Population(islands=2, size=2)
    for k, fitness in enumerate([3.0, 1.0, 2.0, 4.0]):
        cand = _cand(f"c{k}", [k], fitness, 50)
        pop.add(cand)
        pop.insert(0, cand)
    assert pop.islands[0] == ["c1", "c2"] and pop.islands[1] == []
    pop.islands[1] = ["c3"]
    pop.migrate()
    assert pop.islands[1][0] == "c1"  # the best of island 0 moved to island 1


def test_exact_duplicates_are_known_by_their_normalised_ast_hash():
    pop = Population(islands=1, size=2)
    pop.add(_cand("a", [1], 1.0, 10))
    pop.failed_ast["ast-bad"] = ("bad", {"code": "nan_priority"})
    assert pop.seen("ast-a") == ("a", None)
    assert pop.seen("ast-bad") == ("bad", {"code": "nan_priority"})
    assert pop.seen("ast-new") is None


def test_rank_selection_prefers_better_ranks_and_returns_worst_to_best():
    pop = Population(islands=1, size=8)
    for k in range(8):
        cand = _cand(f"c{k}", [k], float(k), 10)
        pop.add(cand)
        pop.insert(0, cand)
    rng = np.random.default_rng(0)
    counts = {f"c{k}": 0 for k in range(8)}
    for _ in range(2000):
        pair = pop.rank_pick(rng, 0, 2)
        assert len(set(pair)) == 2 and pop.store[pair[0]].key() > pop.store[pair[1]].key()
        for c in pair:
            counts[c] += 1
    assert counts["c0"] > counts["c7"]


def test_the_pick_is_the_best_validation_fitness():
    store = {c.id: c for c in (_cand("a", [1], 1.0, 10), _cand("b", [2], 2.0, 10))}
    assert best_validated({"a": 3.0, "b": 2.5}, store) == "b"
    assert best_validated({"a": None}, store) is None


def test_no_island_of_a_run_holds_two_programs_that_behave_alike(smtt_splits, mutate_server, tmp_path):
    from schedbench.discover import DiscoverConfig, StopRules, read_events, run_discover

    run_dir = tmp_path / "run"
    with mutate_server(hostile_rate=0.0, neutral=0.5, improve=0.3) as server:
        run_discover(
            DiscoverConfig(
                train=smtt_splits["train"],
                val=smtt_splits["val"],
                references=smtt_splits["references"],
                run_dir=str(run_dir),
                base_url=server.url,
                model="mutate",
                islands=2,
                pop_size=4,
                stop=StopRules(max_samples=24),
            )
        )
    events = read_events(str(run_dir))
    behaviour = {
        e["id"]: (tuple(e["train"]["objectives"]), e["code_chars"] if e["type"] == "candidate" else 0)
        for e in events
        if e["type"] in ("seed", "candidate") and e["train"]
    }
    # the neutral edits made programs that behave like their parent but are longer (scores doubled)
    clusters: dict[tuple[int, ...], list[int]] = {}
    for objectives, chars in behaviour.values():
        clusters.setdefault(objectives, []).append(chars)
    assert any(len(v) > 1 for v in clusters.values())
    snapshots = sorted((run_dir / "state").glob("gen-*.json"), key=lambda p: int(p.stem.split("-")[1]))
    assert len(snapshots) >= 2
    assert (run_dir / "state" / "latest.json").read_text() == snapshots[-1].read_text()
    for path in snapshots:
        for island in json.loads(path.read_text())["islands"]:
            seen = [behaviour[m["id"]][0] for m in island]
            assert len(seen) == len(set(seen)), path
