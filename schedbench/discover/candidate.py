"""A candidate: the code taken from a model's answer, its static checks, its normalised hash, its failures.

Static checks are hygiene, not security (the sandbox is the boundary): they turn the common ways of
breaking the contract into a typed ``rejected`` status before any process starts.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass

from schedbench.heuristics.sandbox import PRELOADED

#: every failure code a candidate can get (``infeasible:<verifier code>`` adds the verifier's own code)
FAILURE_CODES = (
    "no_code",
    "syntax",
    "missing_entry",
    "forbidden_import",
    "forbidden_name",
    "too_long",
    "literal_table",
    "exception",
    "timeout_wall",
    "cpu_limit",
    "memory",
    "blocked_syscall",
    "nan_priority",
    "wrong_length",
    "not_permutation",
    "wrong_problem",
    "load_error",
    "infeasible",
)
STATIC_CODES = FAILURE_CODES[:7]
FORBIDDEN_NAMES = frozenset(
    {
        "open",
        "exec",
        "eval",
        "compile",
        "__import__",
        "globals",
        "locals",
        "vars",
        "setattr",
        "delattr",
        "getattr",
        "input",
        "breakpoint",
        "exit",
        "quit",
    }
)
MAX_LITERAL_ITEMS = 32
_ALLOWED_IMPORTS = frozenset(m.split(".")[0] for m in PRELOADED)
_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Failure:
    """Why a candidate is not valid: a code from :data:`FAILURE_CODES`, a short detail, where it happened."""

    code: str
    detail: str
    instance_class: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "detail": self.detail, "instance_class": self.instance_class}


def extract_code(answer: str) -> str | None:
    """The last fenced Python block of an answer; else the text from the first ``import``/``def`` on
    (cut back to its longest prefix that parses); None when there is no code."""
    blocks = _FENCE.findall(answer)
    if blocks:
        return blocks[-1].strip("\n") + "\n"
    match = re.search(r"^(import |from |def |NAME\b|PROBLEM\b|# idea)", answer, re.MULTILINE)
    if match is None:
        return None
    lines = answer[match.start() :].splitlines()
    for end in range(len(lines), 0, -1):
        text = "\n".join(lines[:end]) + "\n"
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        return text
    return "\n".join(lines) + "\n"  # nothing parses: the syntax check reports it


def code_id(code: str) -> str:
    """The content address of a candidate's code (16 hex digits of its sha256)."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


def ast_hash(code: str) -> str | None:
    """sha256 of the code's syntax tree without docstrings and comments (None if it does not parse):
    the same program reformatted or re-commented gets the same hash."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
    return hashlib.sha256(ast.dump(tree, annotate_fields=False).encode()).hexdigest()[:16]


def idea_of(code: str) -> str:
    """The candidate's one-line idea (its ``# idea:`` comment), or ''."""
    match = re.search(r"^#\s*idea:\s*(.+)$", code, re.MULTILINE)
    return match.group(1).strip()[:200] if match else ""


def static_check(code: str | None, entry: str, *, max_chars: int = 6000) -> Failure | None:
    """The first contract breach visible without running the code, or None."""
    if code is None or not code.strip():
        return Failure("no_code", "the answer holds no Python code")
    if len(code) > max_chars:
        return Failure("too_long", f"{len(code)} characters, the cap is {max_chars}")
    try:
        tree = ast.parse(code)
    except SyntaxError as err:
        return Failure("syntax", f"line {err.lineno}: {err.msg}")
    except ValueError as err:
        return Failure("syntax", str(err)[:200])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                if name.split(".")[0] not in _ALLOWED_IMPORTS or (
                    isinstance(node, ast.ImportFrom) and node.level
                ):
                    return Failure("forbidden_import", f"line {node.lineno}: import {name}")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            return Failure("forbidden_name", f"line {node.lineno}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("__"):
            return Failure("forbidden_name", f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.List | ast.Tuple | ast.Set) and len(node.elts) > MAX_LITERAL_ITEMS:
            if all(isinstance(e, ast.Constant | ast.UnaryOp) for e in node.elts):
                return Failure("literal_table", f"line {node.lineno}: a literal of {len(node.elts)} items")
        elif isinstance(node, ast.Dict) and len(node.keys) > MAX_LITERAL_ITEMS:
            return Failure("literal_table", f"line {node.lineno}: a literal of {len(node.keys)} items")
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    if entry not in defined:
        return Failure("missing_entry", f"no top-level def {entry}(...)")
    return None


def parse_check(code: str | None) -> Failure | None:
    """Only what must hold for the code to reach the sandbox at all: there is code and it parses."""
    if code is None or not code.strip():
        return Failure("no_code", "the answer holds no Python code")
    try:
        ast.parse(code)
    except (SyntaxError, ValueError) as err:
        return Failure("syntax", str(err)[:200])
    return None


_RUNTIME_PATTERNS = (
    ("timeout_wall", ("timeout: no answer", "stopped answering")),
    ("cpu_limit", ("CPU time limit", "SIGXCPU")),
    ("memory", ("MemoryError", "address-space limit", "SIGSEGV")),
    ("nan_priority", ("not a finite number",)),
    ("wrong_length", ("scores for",)),
    ("not_permutation", ("must return a permutation",)),
    ("wrong_problem", ("plug-in is for",)),
    (
        "blocked_syscall",
        (
            "PermissionError",
            "Too many open files",
            "Operation not permitted",
            "BlockingIOError",
            "Resource temporarily unavailable",
            "SIGXFSZ",
            "tried to write a file",
            "Permission denied",
        ),
    ),
    ("load_error", ("does not load", "defines neither")),
)


def runtime_failure(error: str, instance_class: str | None = None) -> Failure:
    """The typed failure of a run-time error text from the sandbox or the schedule builder."""
    for code, needles in _RUNTIME_PATTERNS:
        if any(needle in error for needle in needles):
            return Failure(code, error[:300], instance_class)
    return Failure("exception", error[:300], instance_class)
