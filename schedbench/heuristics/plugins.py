"""Plug-in rules: a Python file, written by a user or an LLM, that scores jobs, operations or tasks.

The rule is named after the file's stem unless the file sets ``NAME``. It may set ``PROBLEM`` (``smtt``,
``jssp`` or ``rcpsp``; otherwise it applies to whatever problem it is run on). Signatures, with numpy
arrays for every sequence argument; a lower score goes first, ties by index:

SMTT (define one of them)
    ``priority(p, d, w, t, remaining)`` - ``p``, ``d``, ``w`` over all jobs, ``t`` the current time,
    ``remaining`` the indices of the unscheduled jobs; one score per remaining job, called once per step.
    ``sequence(p, d, w)`` - a full order of job indices, called once.
JSSP (``SCHEME = "active"`` (default) or ``"nondelay"`` picks the Giffler-Thompson scheme)
    ``priority(duration, machine, job, earliest_start, remaining_work, remaining_ops, t)`` - arrays over the
    operations of the current conflict set; one score per operation, called once per scheduled operation.
RCPSP (``SCHEME = "serial"`` (default) or ``"parallel"`` picks the schedule generation scheme)
    ``priority(durations, demands, capacities, precedences, releases, deadlines)`` - one score per task,
    called once; ``demands`` is tasks x resources, ``precedences`` pairs ``(before, after)``, ``deadlines``
    is -1 where a task has none.

Plug-in code runs in a separate process locked in at a sandbox level (see :mod:`schedbench.heuristics.sandbox`);
our code builds the schedule from its answers and the verifier scores it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from schedbench.heuristics.jssp_sgs import SCHEMES as JSSP_SCHEMES
from schedbench.heuristics.jssp_sgs import SgsState, giffler_thompson
from schedbench.heuristics.rcpsp_sgs import parallel_sgs, serial_sgs
from schedbench.heuristics.registry import heuristic_solver_info
from schedbench.heuristics.sandbox import Limits, PluginFailure, SandboxProcess
from schedbench.problems import Instance, SchedbenchError
from schedbench.problems import jssp as jssp_mod
from schedbench.problems import rcpsp as rcpsp_mod
from schedbench.problems import smtt as smtt_mod

PROBLEMS = ("smtt", "jssp", "rcpsp")


@dataclass
class PluginRule:
    """A plug-in file bound to its sandbox process; ``run(inst)`` returns a solution dict or raises PluginFailure."""

    path: str
    limits: Limits = field(default_factory=Limits)
    name: str = ""
    problem: str | None = None
    scheme: str | None = None
    functions: tuple[str, ...] = ()
    source: str | None = field(default=None, repr=False)  # the file's text, shipped to a worker without it
    _sandbox: SandboxProcess | None = field(default=None, repr=False)

    def load(self) -> PluginRule:
        """Start the sandbox and read what the file defines; a ``SchedbenchError`` if it is unusable.
        With ``source`` the file itself need not exist here (a cluster worker)."""
        if self.source is None and not Path(self.path).is_file():
            raise SchedbenchError("plug-in file not found", source=self.path)
        self._sandbox = SandboxProcess(self.path, self.limits, source=self.source)
        try:
            info = self._sandbox.start()
        except PluginFailure as err:
            self.close()
            raise SchedbenchError(f"plug-in does not load: {err}", source=self.path) from None
        self.functions = tuple(info.get("functions") or ())
        if not self.functions:
            self.close()
            raise SchedbenchError("plug-in defines neither priority() nor sequence()", source=self.path)
        name = info.get("name")
        self.name = name if isinstance(name, str) and name else Path(self.path).stem
        problem = info.get("problem")
        if problem is not None and problem not in PROBLEMS:
            raise SchedbenchError(f"PROBLEM must be one of {', '.join(PROBLEMS)}", source=self.path)
        self.problem = problem
        scheme = info.get("scheme")
        self.scheme = scheme if isinstance(scheme, str) else None
        return self

    @property
    def sandbox_level(self) -> str | None:
        """The sandbox level its process runs at (None before it is loaded)."""
        if self._sandbox is None or not self._sandbox.level_name:
            return None
        return self._sandbox.level_name

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()

    def run(self, inst: Instance) -> dict[str, Any]:
        """Build a schedule for ``inst`` from the plug-in's answers (never its own claims)."""
        if self._sandbox is None:
            self.load()
        if self.problem is not None and self.problem != inst.problem:
            raise PluginFailure(f"plug-in is for {self.problem}, instance is {inst.problem}")
        assert self._sandbox is not None
        deadline = self._sandbox.begin_instance()
        build = {"smtt": self._smtt, "jssp": self._jssp, "rcpsp": self._rcpsp}[inst.problem]
        solution = build(inst, deadline)
        solution["solver"] = heuristic_solver_info(self.name, plugin=Path(self.path).name)
        return solution

    def _call(self, function: str, deadline: float, **args: Any) -> np.ndarray:
        assert self._sandbox is not None
        return np.asarray(self._sandbox.call(function, deadline, **args), dtype=float)

    def _smtt(self, inst: smtt_mod.SmttInstance, deadline: float) -> dict[str, Any]:
        p, d, w = (a.tolist() for a in (inst.processing_times, inst.due_dates, inst.weights))
        n = inst.n
        if "sequence" in self.functions:
            order = self._call("sequence", deadline, p=p, d=d, w=w)
            if len(order) != n or not np.array_equal(np.sort(order), np.arange(n)):
                raise PluginFailure(f"sequence() must return a permutation of 0..{n - 1}")
            return smtt_mod.solution_from_order(inst, order.astype(np.int64))
        remaining = np.arange(n)
        order_list: list[int] = []
        t = 0
        while remaining.size:
            scores = self._call("priority", deadline, p=p, d=d, w=w, t=t, remaining=remaining.tolist())
            if len(scores) != remaining.size:
                raise PluginFailure(f"priority() returned {len(scores)} scores for {remaining.size} jobs")
            pos = int(np.lexsort((remaining, scores))[0])
            job = int(remaining[pos])
            order_list.append(job)
            t += int(inst.processing_times[job])
            remaining = np.delete(remaining, pos)
        return smtt_mod.solution_from_order(inst, order_list)

    def _jssp(self, inst: jssp_mod.JsspInstance, deadline: float) -> dict[str, Any]:
        scheme = self.scheme or "active"
        if scheme not in JSSP_SCHEMES:
            raise PluginFailure(f"SCHEME must be one of {', '.join(JSSP_SCHEMES)} for jssp")

        def score(ops: np.ndarray, s: SgsState) -> np.ndarray:
            out = self._call(
                "priority",
                deadline,
                duration=inst.op_duration[ops].tolist(),
                machine=inst.op_machine[ops].tolist(),
                job=inst.op_job[ops].tolist(),
                earliest_start=s.earliest_start[ops].tolist(),
                remaining_work=s.remaining_work[ops].tolist(),
                remaining_ops=s.remaining_ops[ops].tolist(),
                t=s.time,
            )
            if len(out) != len(ops):
                raise PluginFailure(f"priority() returned {len(out)} scores for {len(ops)} operations")
            return out

        return jssp_mod.solution_from_starts(inst, giffler_thompson(inst, score, scheme))

    def _rcpsp(self, inst: rcpsp_mod.RcpspInstance, deadline: float) -> dict[str, Any]:
        scheme = self.scheme or "serial"
        build = {"serial": serial_sgs, "parallel": parallel_sgs}.get(scheme)
        if build is None:
            raise PluginFailure("SCHEME must be serial or parallel for rcpsp")
        scores = self._call(
            "priority",
            deadline,
            durations=inst.durations.tolist(),
            demands=inst.demands.tolist(),
            capacities=inst.capacities.tolist(),
            precedences=inst.precedences.tolist(),
            releases=inst.releases.tolist(),
            deadlines=[-1 if x is None else int(x) for x in inst.deadlines],
        )
        if len(scores) != inst.num_tasks:
            raise PluginFailure(f"priority() returned {len(scores)} scores for {inst.num_tasks} tasks")
        return rcpsp_mod.solution_from_starts(inst, build(inst, scores))


def load_plugin(path: str | os.PathLike[str], limits: Limits | None = None) -> PluginRule:
    """Load a plug-in file into its sandbox; raises ``SchedbenchError`` if it cannot be used."""
    return PluginRule(str(path), limits or Limits()).load()
