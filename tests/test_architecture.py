"""The layering, as a test: which part of schedbench may import which, read from the source's imports.

Ranks (a module may import its own part or any lower rank; solvers and generators are peers that do not
import each other):

    0 problems    1 registry, _version    2 datasets    3 records    4 heuristics
    5 solvers, generators    6 llm_eval    7 discover    8 reports    9 demo    10 cli

Also: no import circle among module-level imports; nothing imports the CLI; no ``try: import schedbench...
except ImportError``; a heavy library (ortools, pulp, openai, matplotlib, rich, networkx, ...) is never
reached by importing the package root or the CLI; and an import of our own inside a function is allowed
only where it defers such a heavy library (otherwise it belongs at the top of the module), or in the CLI,
which loads a command's modules only when that command runs.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "schedbench"
HEAVY = {
    "ortools",
    "pulp",
    "highspy",
    "openai",
    "httpx",
    "httpx2",
    "matplotlib",
    "rich",
    "networkx",
    "jsonschema",
    "psplib",
    "dask",
    "distributed",
    "dask_jobqueue",
}
RANKS = {
    "problems": 0,
    "registry": 1,
    "_version": 1,
    "datasets": 2,
    "records": 3,
    "heuristics": 4,
    "solvers": 5,
    "generators": 5,
    "llm_eval": 6,
    "discover": 7,
    "reports": 8,
    "demo": 9,
    "cli": 10,
}
PEERS = {frozenset({"solvers", "generators"})}
LIGHT_ENTRY_POINTS = ("schedbench", "schedbench.cli")
# the CLI loads what a command needs only when the command runs, so that `schedbench --help` stays fast
LAZY_BY_DESIGN = {"cli"}


@dataclass
class Module:
    name: str
    path: Path
    top: set[str] = field(default_factory=set)  # schedbench modules imported at module level
    lazy: dict[str, int] = field(default_factory=dict)  # schedbench modules imported in functions -> line
    heavy_top: set[str] = field(default_factory=set)  # heavy libraries imported at module level
    guarded: list[int] = field(default_factory=list)  # lines of `except ImportError` around our imports


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, is_package: bool, node: ast.AST, known: set[str]) -> list[str]:
    """Full names of what an import statement imports (a `from pkg import mod` names the submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    base = _resolve(module, is_package, node)
    out = [base]
    out += [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
    return out


def scan(root: Path = PACKAGE) -> dict[str, Module]:
    """Every module of the package with its imports, split by where they stand."""
    paths = sorted(root.rglob("*.py"))
    known = {_module_name(root, p) for p in paths}
    modules: dict[str, Module] = {}
    for path in paths:
        name = _module_name(root, path)
        is_package = path.name == "__init__.py"
        mod = Module(name, path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_function: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                in_function.update(id(child) for child in ast.walk(node) if child is not node)
        for node in ast.walk(tree):
            if isinstance(node, ast.Try):
                catches = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
                if catches & {"ImportError", "ModuleNotFoundError"}:
                    for child in node.body:
                        if isinstance(child, ast.Import | ast.ImportFrom) and any(
                            n.split(".")[0] == "schedbench" for n in _imports(name, is_package, child, known)
                        ):
                            mod.guarded.append(child.lineno)
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            lazy = id(node) in in_function
            for target in _imports(name, is_package, node, known):
                top_name = target.split(".")[0]
                if top_name == "schedbench":
                    target = target if target in known else target.rsplit(".", 1)[0]
                    if lazy:
                        mod.lazy.setdefault(target, node.lineno)
                    else:
                        mod.top.add(target)
                elif top_name in HEAVY and not lazy:
                    mod.heavy_top.add(top_name)
        modules[name] = mod
    for mod in modules.values():  # importing a.b.c also runs a and a.b
        parents = set()
        for target in mod.top:
            parts = target.split(".")
            parents.update(".".join(parts[:k]) for k in range(1, len(parts)))
        mod.top |= {p for p in parents if p in modules} - {mod.name}
    return modules


def stage(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def heavy_reached(modules: dict[str, Module]) -> dict[str, set[str]]:
    """For each module, the heavy libraries that importing it loads (through module-level imports)."""
    memo: dict[str, set[str]] = {}

    def visit(name: str, trail: frozenset[str]) -> set[str]:
        if name in memo:
            return memo[name]
        mod = modules.get(name)
        if mod is None or name in trail:
            return set()
        found = set(mod.heavy_top)
        for target in mod.top:
            found |= visit(target, trail | {name})
        memo[name] = found
        return found

    return {name: visit(name, frozenset()) for name in modules}


def _cycles(modules: dict[str, Module]) -> list[list[str]]:
    graph = {
        name: sorted(t for t in mod.top if t in modules and not _is_package_root_chain(name, t))
        for name, mod in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def connect(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            connect(node)
    return found


def _is_package_root_chain(importer: str, target: str) -> bool:
    """`schedbench.x.y` importing its own parent packages (`schedbench`, `schedbench.x`) is no edge."""
    return importer == target or importer.startswith(target + ".")


def violations(root: Path = PACKAGE) -> list[str]:
    """Every breach of the layering rules, one line each."""
    modules = scan(root)
    heavy = heavy_reached(modules)
    out: list[str] = []
    for name, mod in sorted(modules.items()):
        where = mod.path.relative_to(root.parent)
        own = stage(name)
        edges = [(t, None) for t in sorted(mod.top)] + sorted(mod.lazy.items())
        for target, line in edges:
            if _is_package_root_chain(name, target):
                continue
            theirs = stage(target)
            at = f"{where}:{line}" if line else str(where)
            if theirs == "cli" and own != "cli":
                out.append(f"{at}: imports the CLI ({target})")
            if own is None and theirs != "problems":
                out.append(f"{at}: the package root imports {target} (it may re-export only from problems)")
            if own in RANKS and theirs in RANKS and own != theirs:
                if RANKS[theirs] > RANKS[own]:
                    out.append(f"{at}: {own} (rank {RANKS[own]}) imports {target} (rank {RANKS[theirs]})")
                elif frozenset({own, theirs}) in PEERS:
                    out.append(f"{at}: {own} imports its peer {target}")
            elif own in RANKS and theirs not in RANKS and theirs is not None:
                out.append(f"{at}: {target} is in no layer; add it to RANKS")
            if line is not None and not heavy.get(target) and own not in LAZY_BY_DESIGN:
                out.append(
                    f"{at}: imports {target} inside a function, but it loads no heavy library: move it up"
                )
        if own not in RANKS and own is not None:
            out.append(f"{where}: {name} is in no layer; add its part to RANKS")
        for line in mod.guarded:
            out.append(f"{where}:{line}: an import of schedbench guarded by except ImportError")
    for entry in LIGHT_ENTRY_POINTS:
        if entry in modules and heavy[entry]:
            out.append(f"importing {entry} loads {', '.join(sorted(heavy[entry]))}; keep it lazy")
    out += [f"import circle: {' -> '.join(c)}" for c in _cycles(modules)]
    return out


def test_the_package_keeps_its_layers():
    assert violations() == []


def _copy_with(tmp_path: Path, relative: str, line: str) -> Path:
    root = tmp_path / "schedbench"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    target = root / relative
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    return root


def test_a_forbidden_import_is_caught(tmp_path):
    """The guard itself: each kind of breach, added to a copy of the package, is reported."""
    cases = {
        ("problems/base.py", "from schedbench.datasets import jsonl"): "problems (rank 0) imports",
        ("solvers/batch.py", "import schedbench.cli"): "imports the CLI",
        ("solvers/batch.py", "from schedbench.generators import smtt"): "imports its peer",
        ("problems/schemas.py", "import matplotlib"): "loads matplotlib",
        ("datasets/files.py", "def later():\n    from schedbench.problems import base"): "inside a function",
        (
            "problems/errors.py",
            "try:\n    import schedbench.problems.base\nexcept ImportError:\n    pass",
        ): "guarded",
        ("datasets/files.py", "from schedbench.datasets import jsonl"): "import circle",
    }
    for n, ((relative, line), expected) in enumerate(cases.items()):
        root = _copy_with(tmp_path / str(n), relative, line)
        found = violations(root)
        assert any(expected in v for v in found), (relative, line, found)
