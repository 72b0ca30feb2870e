"""The seed population: built-in rules written as plug-in files, so the model sees (and edits) their code.

Each seed is an ordinary plug-in (see :mod:`schedbench.heuristics.plugins`); ``builtin`` names the
registered rule it stands for, so reports can set the pick against that rule as well.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from schedbench.problems import SchedbenchError


@dataclass(frozen=True)
class Seed:
    """One seed plug-in: its name, the interface it uses, the built-in rule it mirrors and its source."""

    name: str
    problem: str
    interface: str
    builtin: str | None
    source: str


def _plugin(name: str, problem: str, idea: str, body: str, scheme: str | None = None) -> str:
    head = f'# idea: {idea}\nimport numpy as np\n\nNAME = "{name}"\nPROBLEM = "{problem}"\n'
    if scheme:
        head += f'SCHEME = "{scheme}"\n'
    return head + "\n\n" + body.strip() + "\n"


def _body(text: str) -> str:
    """A function body written as an indented block, as the plug-in needs it after its first line."""
    return textwrap.indent(textwrap.dedent(text).strip(), "    ").lstrip()


_SMTT_PRIORITY = {
    "edd": ("earliest due date first", "return d[remaining]", "edd"),
    "spt": ("shortest processing time first", "return p[remaining]", "spt"),
    "mdd": (
        "modified due date: the later of the due date and the earliest completion",
        "return np.maximum(d[remaining], t + p[remaining])",
        "mdd",
    ),
}
_SMTT_WEIGHTED = {
    "wspt": (
        "weighted shortest processing time",
        "return p[remaining] / np.maximum(w[remaining], 1)",
        "wspt",
    ),
    "wmdd": (
        "weighted modified due date",
        "return np.maximum(p[remaining], d[remaining] - t) / np.maximum(w[remaining], 1)",
        None,
    ),
    "atc": (
        "apparent tardiness cost with k = 2 (largest index first)",
        _body("""
            pr, dr, wr = p[remaining], d[remaining], w[remaining]
            slack = np.maximum(dr - pr - t, 0)
            pbar = max(float(np.mean(p)), 1e-9)
            return -(wr / np.maximum(pr, 1)) * np.exp(-slack / (2.0 * pbar))
        """),
        "atc",
    ),
}
_SMTT_SEQUENCE = {
    "edd": ("earliest due date order", "return np.lexsort((p, d))", "edd"),
    "spt": ("shortest processing time order", "return np.lexsort((d, p))", "spt"),
    "mdd": (
        "modified due date, one job at a time",
        _body("""
            remaining = list(range(len(p)))
            order, t = [], 0
            while remaining:
                r = np.array(remaining)
                k = int(np.argmin(np.maximum(d[r], t + p[r])))
                order.append(remaining.pop(k))
                t += int(p[order[-1]])
            return order
        """),
        "mdd",
    ),
}
_JSSP = {
    "spt": ("shortest operation first", "return duration", "spt"),
    "mwkr": ("most work remaining in the job first", "return -remaining_work", "mwkr"),
    "mopnr": ("most operations remaining first", "return -remaining_ops", "mopnr"),
}
_RCPSP = {
    "lft": (
        "latest finish time from a backward pass over the precedences",
        _body("""
            n = len(durations)
            lf = np.full(n, int(np.sum(durations)))
            for _ in range(n):
                for a, b in precedences:
                    lf[a] = min(lf[a], lf[b] - durations[b])
            return lf
        """),
        "lft",
    ),
    "spt": ("shortest task first", "return durations", None),
    "mts": (
        "most successors first",
        _body("""
            count = np.zeros(len(durations))
            for a, _b in precedences:
                count[a] += 1
            return -count
        """),
        None,
    ),
}

SIGNATURES = {
    ("smtt", "priority"): "def priority(p, d, w, t, remaining):",
    ("smtt", "sequence"): "def sequence(p, d, w):",
    ("jssp", "priority"): (
        "def priority(duration, machine, job, earliest_start, remaining_work, remaining_ops, t):"
    ),
    ("rcpsp", "priority"): "def priority(durations, demands, capacities, precedences, releases, deadlines):",
}
INTERFACES = {"smtt": ("priority", "sequence"), "jssp": ("priority",), "rcpsp": ("priority",)}
DEFAULT_SCHEMES = {"jssp": "active", "rcpsp": "serial"}
SCHEMES = {"jssp": ("active", "nondelay"), "rcpsp": ("serial", "parallel")}


def entry_function(interface: str) -> str:
    return "sequence" if interface == "sequence" else "priority"


def check_interface(problem: str, interface: str, scheme: str | None) -> None:
    """A one-line error unless the interface (and scheme) fit the problem."""
    if interface not in INTERFACES.get(problem, ()):
        known = ", ".join(INTERFACES.get(problem, ()))
        raise SchedbenchError(
            f"{problem} has no {interface!r} interface; known: {known}", field="--interface"
        )
    if scheme is not None and scheme not in SCHEMES.get(problem, ()):
        known = ", ".join(SCHEMES.get(problem, ())) or "none"
        raise SchedbenchError(f"{problem} has no scheme {scheme!r}; known: {known}", field="--scheme")


def seeds(problem: str, interface: str, *, weighted: bool = False, scheme: str | None = None) -> list[Seed]:
    """The seed plug-ins for a problem and interface (weighted SMTT adds WSPT, weighted MDD and ATC)."""
    check_interface(problem, interface, scheme)
    signature = SIGNATURES[(problem, interface)]
    table: dict[str, tuple[str, str, str | None]]
    if problem == "smtt":
        table = dict(_SMTT_SEQUENCE if interface == "sequence" else _SMTT_PRIORITY)
        if weighted and interface == "priority":
            table.update(_SMTT_WEIGHTED)
    else:
        table = _JSSP if problem == "jssp" else _RCPSP
    scheme = scheme or DEFAULT_SCHEMES.get(problem)
    out = []
    for name, (idea, body, builtin) in table.items():
        source = _plugin(name, problem, idea, f"{signature}\n    {body}", scheme)
        rule = f"{builtin}-{scheme}" if builtin and scheme else builtin
        out.append(Seed(name, problem, interface, rule, source))
    return out
