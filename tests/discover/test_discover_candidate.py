"""Code extraction, static checks, the normalised AST hash and failure codes of discovery candidates."""

from __future__ import annotations

import pytest

from schedbench.discover.candidate import ast_hash, code_id, extract_code, runtime_failure, static_check
from schedbench.discover.prompts import TEMPLATE_HASH, Parent, PromptContext, build_messages

RULE = "import numpy as np\n\ndef priority(p, d, w, t, remaining):\n    return d[remaining]\n"


def test_the_last_fenced_block_is_the_code():
    answer = f"First try:\n```python\nx = 1\n```\nBetter:\n```python\n{RULE}```\nDone."
    assert extract_code(answer) == RULE


def test_unfenced_code_is_cut_to_its_longest_parsing_prefix():
    answer = RULE + "That is my rule; it sorts by due date."
    assert extract_code(answer) == RULE
    assert extract_code("I would sort the jobs by due date.") is None


@pytest.mark.parametrize(
    "code, expected",
    [
        (None, "no_code"),
        ("def priority(p, d, w, t, remaining)\n    return d\n", "syntax"),
        ("import numpy as np\n\ndef order(p):\n    return p\n", "missing_entry"),
        ("import os\n\ndef priority(p, d, w, t, remaining):\n    return d[remaining]\n", "forbidden_import"),
        (
            "def priority(p, d, w, t, remaining):\n    open('x', 'w')\n    return d[remaining]\n",
            "forbidden_name",
        ),
        ("def priority(p, d, w, t, remaining):\n    return p.__class__\n", "forbidden_name"),
        (
            "T = ["
            + ", ".join(map(str, range(40)))
            + "]\n\ndef priority(p, d, w, t, remaining):\n    return d\n",
            "literal_table",
        ),
        ("# " + "x" * 7000 + "\ndef priority(p, d, w, t, remaining):\n    return d\n", "too_long"),
    ],
)
def test_static_checks_give_typed_codes(code, expected):
    failure = static_check(code, "priority")
    assert failure is not None and failure.code == expected


def test_a_clean_rule_passes_the_static_checks():
    assert static_check(RULE, "priority") is None
    assert static_check(RULE.replace("priority", "sequence"), "sequence") is None


def test_comments_docstrings_and_layout_do_not_change_the_ast_hash():
    commented = "# idea: same\n" + RULE.replace("):\n", '):\n    """Doc."""\n', 1).replace(
        "return d", "return  d"
    )
    assert ast_hash(commented) == ast_hash(RULE)
    assert code_id(commented) != code_id(RULE)
    assert ast_hash(RULE.replace("return d[remaining]", "return -d[remaining]")) != ast_hash(RULE)
    assert ast_hash("def (") is None


@pytest.mark.parametrize(
    "error, code",
    [
        ("PluginFailure: timeout: no answer within the wall-clock limit", "timeout_wall"),
        ("PluginFailure: plug-in process used up its CPU time limit", "cpu_limit"),
        ("PluginFailure: MemoryError: address-space limit reached", "memory"),
        (
            "PluginFailure: ValueError: priority() returned a value that is not a finite number",
            "nan_priority",
        ),
        ("PluginFailure: priority() returned 4 scores for 3 jobs", "wrong_length"),
        ("PluginFailure: sequence() must return a permutation of 0..4", "not_permutation"),
        ("PluginFailure: OSError: [Errno 24] Too many open files", "blocked_syscall"),
        ("PluginFailure: ZeroDivisionError: division by zero", "exception"),
    ],
)
def test_runtime_errors_map_to_failure_codes(error, code):
    assert runtime_failure(error, "rdd=0.2,tf=0.4").code == code


def test_the_prompt_shows_parents_with_train_metrics_and_the_failure_for_repair():
    ctx = PromptContext("smtt", "priority", None, False, 12, (10, 10), 6)
    parents = [Parent(RULE, 12.5, {"rdd=0.2,tf=0.4": 30.0}), Parent(RULE.replace("d[", "p["), 3.25, {})]
    messages = build_messages(ctx, "m1", parents)
    text = messages[1]["content"]
    assert "def priority(p, d, w, t, remaining):" in text
    assert "12.500%" in text and "3.250%" in text and "rdd=0.2,tf=0.4 30.00%" in text
    assert text.index("12.500%") < text.index("3.250%")  # worst to best: the best parent is last
    assert "Tiny example" in text
    repair = build_messages(
        ctx, "repair", parents[:1], RULE, runtime_failure("priority() returned 4 scores for 3 jobs", "c1")
    )
    assert "wrong_length" in repair[1]["content"] and "on a c1 instance" in repair[1]["content"]
    assert len(TEMPLATE_HASH) == 16
