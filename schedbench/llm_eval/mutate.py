"""`serve-baseline --mode mutate`: deterministic answers to discovery prompts, for offline dry runs.

The answer depends only on (seed, the prompt, the request's seed): the same request always gets the same
answer, so a resumed run sees what the first one saw. The best parent is the last ```python block of the
prompt. An answer is, by a hash draw,

- **hostile** (at ``hostile_rate``): an infinite loop, a memory bomb, a socket to ``hostile_port``,
  ``os.system``, a file write, a bounded fork loop, a detached grandchild, NaN scores, a wrong length, a
  lookup table, a rule keyed on the job index, prose without code or a syntax error;
- **improving**: the next rung of a ladder of known rules (SMTT: EDD -> MDD -> an MDDC-like urgency);
- **neutral**: the parent with a comment or a docstring added (same AST) or its scores doubled;
- **worsening**: the parent with its scores negated.

What it is not: a model. Its "improvements" are known rules written out in advance, so a run against it
beating MDD is true by construction; it shows that the loop's plumbing (prompts, parsing, deduplication,
the islands, validation, the one test, resume, the budgets and the sandbox's failure codes) does what it
says, and nothing about what any LLM would find. Every answer carries ``system_fingerprint``
:data:`FINGERPRINT`, and ``discover report`` labels such runs a dry run.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

HOSTILE = (
    "infinite_loop",
    "memory_bomb",
    "socket",
    "os_system",
    "file_write",
    "fork_loop",
    "grandchild",
    "nan",
    "wrong_length",
    "lookup_table",
    "index_keyed",
    "prose",
    "syntax_error",
)
EDITS = ("improve", "neutral", "worsen")
#: the ``system_fingerprint`` of every answer: reports tell a dry run from a model by it
FINGERPRINT = "schedbench-mutate"

_FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)
_SIGNATURE = re.compile(r"Signature: (def (\w+)\((.*?)\):)")
_MARK = re.compile(r"^# ladder: (\S+) (\d+)$", re.MULTILINE)
_NAME = re.compile(r'^NAME = "([^"]+)"', re.MULTILINE)

_MDDC_LIKE = (
    "pu, du = p[remaining].astype(float), d[remaining].astype(float)\n"
    "    mu = np.maximum(pu * 1.1 + t, du)\n"
    "    rho = np.minimum(pu / (t + np.max(pu)), 1.0)\n"
    "    mu = mu * (1 + rho**2 / (1 + rho**2))\n"
    "    return mu + pu / (t + np.mean(pu))"
)
_MDD_ROLLOUT = (
    "def finish(t, rest):\n"
    "        total = 0\n"
    "        rest = list(rest)\n"
    "        while rest:\n"
    "            r = np.array(rest)\n"
    "            k = int(np.argmin(np.maximum(d[r], t + p[r]){w_div}))\n"
    "            job = rest.pop(k)\n"
    "            t += int(p[job])\n"
    "            total += {w_mul}max(0, t - int(d[job]))\n"
    "        return total\n\n"
    "    scores = []\n"
    "    for j in remaining:\n"
    "        rest = [int(k) for k in remaining if k != j]\n"
    "        done = t + int(p[j])\n"
    "        scores.append({w_mul}max(0, done - int(d[j])) + finish(done, rest))\n"
    "    return np.array(scores, dtype=float)"
)
_MDD_SEQ = (
    "left = list(range(len(p)))\n"
    "    order, t = [], 0\n"
    "    while left:\n"
    "        r = np.array(left)\n"
    "        k = int(np.argmin(np.maximum(d[r], t + p[r])))\n"
    "        order.append(left.pop(k))\n"
    "        t += int(p[order[-1]])\n"
)
_INTERCHANGE = (
    "    improved = True\n"
    "    while improved:\n"
    "        improved = False\n"
    "        start = 0\n"
    "        for k in range(len(order) - 1):\n"
    "            a, b = order[k], order[k + 1]\n"
    "            before = w[a] * max(0, start + p[a] - d[a]) + w[b] * max(0, start + p[a] + p[b] - d[b])\n"
    "            after = w[b] * max(0, start + p[b] - d[b]) + w[a] * max(0, start + p[a] + p[b] - d[a])\n"
    "            if after < before:\n"
    "                order[k], order[k + 1] = b, a\n"
    "                improved = True\n"
    "            start += p[order[k]]\n"
)

#: (problem key, interface) -> ladder of (idea, body); the key is the entry function and its first argument
LADDERS: dict[str, list[tuple[str, str]]] = {
    "priority:p": [
        ("earliest due date first", "return d[remaining]"),
        ("modified due date", "return np.maximum(d[remaining], t + p[remaining])"),
        ("MDD urgency with a 1.1 processing-time factor and a long-job penalty", _MDDC_LIKE),
        (
            "look ahead: the tardiness of taking the job now and finishing with MDD",
            _MDD_ROLLOUT.format(w_div="", w_mul=""),
        ),
    ],
    "priority:p:weighted": [
        ("weighted shortest processing time", "return p[remaining] / np.maximum(w[remaining], 1)"),
        (
            "weighted modified due date",
            "return np.maximum(p[remaining], d[remaining] - t) / np.maximum(w[remaining], 1)",
        ),
        (
            "apparent tardiness cost, k = 2",
            "pr, dr, wr = p[remaining], d[remaining], w[remaining]\n"
            "    slack = np.maximum(dr - pr - t, 0)\n"
            "    return -(wr / np.maximum(pr, 1)) * np.exp(-slack / (2.0 * max(float(np.mean(p)), 1e-9)))",
        ),
        (
            "look ahead: the weighted tardiness of taking the job now and finishing with weighted MDD",
            _MDD_ROLLOUT.format(w_div=" / np.maximum(w[r], 1)", w_mul="int(w[job]) * ").replace(
                "int(w[job]) * max(0, done", "int(w[j]) * max(0, done"
            ),
        ),
    ],
    "sequence:p": [
        ("earliest due date order", "return np.lexsort((p, d))"),
        ("modified due date, one job at a time", _MDD_SEQ + "    return order"),
        (
            "modified due date, then adjacent interchanges while they help",
            _MDD_SEQ + _INTERCHANGE + "    return order",
        ),
    ],
    "priority:duration": [
        ("shortest operation first", "return duration"),
        ("most work remaining in the job first", "return -remaining_work"),
        ("most work remaining, longer operations first on ties", "return -remaining_work - 0.001 * duration"),
    ],
    "priority:durations": [
        ("shortest task first", "return durations"),
        (
            "most successors first",
            "count = np.zeros(len(durations))\n"
            "    for a, _b in precedences:\n"
            "        count[a] += 1\n"
            "    return -count",
        ),
        (
            "latest finish time from a backward pass",
            "n = len(durations)\n"
            "    lf = np.full(n, float(np.sum(durations)))\n"
            "    for _ in range(n):\n"
            "        for a, b in precedences:\n"
            "            lf[a] = min(lf[a], lf[b] - durations[b])\n"
            "    return lf",
        ),
    ],
}
_SEED_RUNGS = {"edd": 0, "spt": 0, "mdd": 1, "wspt": 0, "wmdd": 1, "atc": 2, "mwkr": 1, "lft": 2, "mts": 1}


@dataclass(frozen=True)
class MutateConfig:
    """How the mutate server answers: its seed, the share of hostile answers and the attack targets."""

    seed: int = 0
    hostile_rate: float = 0.1
    hostile_port: int = 9
    hostile_dir: str = "/tmp"
    improve: float = 0.5
    neutral: float = 0.25
    latency_s: float = 0.0  # seconds before each answer (to see requests overlap)


def _draw(config: MutateConfig, prompt: str, request_seed: object) -> tuple[float, int]:
    digest = hashlib.sha256(f"{config.seed}|{request_seed}|{prompt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64, int.from_bytes(digest[8:16], "big")


def _header(prompt: str) -> tuple[str, str, str]:
    """The signature line, the entry function and the ladder key of a discovery prompt."""
    match = _SIGNATURE.search(prompt)
    if match is None:
        return "def priority(p, d, w, t, remaining):", "priority", "priority:p"
    signature, entry, args = match.groups()
    first = args.split(",")[0].strip()
    key = f"{entry}:{first}"
    if key == "priority:p" and "weighted tardiness" in prompt:
        key += ":weighted"
    return signature, entry, key


def _file(
    signature: str, idea: str, body: str, ladder: str | None = None, rung: int = 0, extra: str = ""
) -> str:
    mark = f"# ladder: {ladder} {rung}\n" if ladder else ""
    return f"# idea: {idea}\n{mark}import numpy as np\n{extra}\n\n{signature}\n    {body}\n"


def _rung(parent: str, key: str) -> int:
    mark = _MARK.search(parent)
    if mark and mark.group(1) == key:
        return int(mark.group(2))
    name = _NAME.search(parent)
    return _SEED_RUNGS.get(name.group(1), 0) if name else 0


def _negate(code: str, entry: str) -> str:
    lines = code.rstrip("\n").split("\n")
    for k in range(len(lines) - 1, -1, -1):
        stripped = lines[k].lstrip()
        if stripped.startswith("return "):
            indent = lines[k][: len(lines[k]) - len(stripped)]
            value = stripped[7:]
            new = (
                f"np.asarray({value})[::-1]" if entry == "sequence" else f"-np.asarray({value}, dtype=float)"
            )
            lines[k] = f"{indent}return {new}"
            break
    text = "\n".join(lines) + "\n"
    return text if "import numpy as np" in text else "import numpy as np\n" + text


def _neutral(code: str, kind: int) -> str:
    if kind == 0:
        return "# a tidier version of the same rule\n" + code
    if kind == 1:
        return code.replace("):\n", '):\n    """Same rule, documented."""\n', 1)
    lines = code.rstrip("\n").split("\n")
    for k in range(len(lines) - 1, -1, -1):
        stripped = lines[k].lstrip()
        if stripped.startswith("return "):
            indent = lines[k][: len(lines[k]) - len(stripped)]
            lines[k] = f"{indent}return 2.0 * np.asarray({stripped[7:]}, dtype=float)"
            break
    text = "\n".join(lines) + "\n"
    return text if "import numpy as np" in text else "import numpy as np\n" + text


def hostile_answer(kind: str, signature: str, entry: str, config: MutateConfig) -> str:
    """The answer text of one hostile candidate."""
    n = "len(remaining)" if "remaining" in signature else "len(" + signature.split("(")[1].split(",")[0] + ")"
    target = f"{config.hostile_dir.rstrip('/')}/schedbench-pwned"
    bodies = {
        "infinite_loop": "while True:\n        pass",
        "memory_bomb": "block = bytearray(10**10)\n    return np.zeros(" + n + ") + len(block)",
        "socket": (
            "import socket\n    socket.create_connection(('127.0.0.1', "
            + str(config.hostile_port)
            + "), timeout=2).sendall(b'x')\n    return np.zeros("
            + n
            + ")"
        ),
        "os_system": (
            f"import os\n    status = os.system('touch {target}-system')\n    if status != 0:\n"
            f"        raise PermissionError(f'os.system returned {{status}}')\n    return np.zeros({n})"
        ),
        "file_write": f"open('{target}-write', 'w').write('x')\n    return np.zeros({n})",
        "fork_loop": (
            "import os, time\n    for _ in range(50):\n        if os.fork() == 0:\n            time.sleep(30)\n"
            f"            os._exit(0)\n    return np.zeros({n})"
        ),
        "grandchild": (
            "import os, time\n    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n"
            "            time.sleep(60)\n        os._exit(0)\n    return np.zeros(" + n + ")"
        ),
        "nan": f"return np.full({n}, np.nan)",
        "wrong_length": f"return np.zeros({n} + 1)",
        "lookup_table": "table = [" + ", ".join(str((k * 37) % 101) for k in range(200)) + "]\n"
        f"    return np.array([table[k % 200] for k in range({n})], dtype=float)",
        "index_keyed": (
            "return np.asarray(remaining, dtype=float)"
            if "remaining" in signature
            else f"return np.arange({n}, dtype=float)"
        ),
    }
    if kind == "prose":
        return "The best rule is to schedule the most urgent job first, weighing lateness against length."
    if kind == "syntax_error":
        return f"```python\nimport numpy as np\n\n{signature[:-1]}\n    return np.zeros(3\n```"
    return "```python\n" + _file(signature, f"hostile: {kind}", bodies[kind]) + "```"


def mutate_answer(
    messages: Sequence[Mapping[str, object]], request_seed: object, config: MutateConfig
) -> str:
    """The deterministic answer to one discovery request."""
    prompt = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    signature, entry, key = _header(prompt)
    u, h = _draw(config, prompt, request_seed)
    if u < config.hostile_rate:
        return hostile_answer(HOSTILE[h % len(HOSTILE)], signature, entry, config)
    u = (u - config.hostile_rate) / max(1e-12, 1 - config.hostile_rate)
    blocks = _FENCE.findall(prompt)
    parent = blocks[-1] if blocks else _file(signature, "start", LADDERS[key][0][1], key, 0)
    if "The rule below failed" in prompt and len(blocks) >= 1:
        parent = blocks[-2] if len(blocks) >= 2 else parent  # repair: go back to the parent that worked
    ladder = LADDERS.get(key, LADDERS["priority:p"])
    rung = _rung(parent, key)
    kinds = 2 if entry == "sequence" else 3  # doubling a sequence's answer would break it
    if u < config.improve:
        nxt = min(rung + 1, len(ladder) - 1)
        idea, body = ladder[nxt]
        code = _file(signature, idea, body, key, nxt)
        if nxt == rung:  # the top of the ladder: a neutral variant of it
            code = _neutral(code, h % kinds)
    elif u < config.improve + config.neutral:
        code = _neutral(parent, h % kinds)
    else:
        code = _negate(parent, entry)
    return f"Here is the rule.\n\n```python\n{code}```\n"


def mutate_reply(request: Mapping[str, object], config: MutateConfig) -> bytes:
    """A chat-completion body answering one discovery request (token counts: characters / 4)."""
    messages = request.get("messages")
    messages = [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
    content = mutate_answer(messages, request.get("seed"), config)
    prompt_tokens = sum(len(str(m.get("content", ""))) for m in messages) // 4
    body = {
        "id": "chatcmpl-mutate-" + hashlib.sha256(content.encode()).hexdigest()[:12],
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "schedbench-mutate"),
        "system_fingerprint": FINGERPRINT,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(content) // 4,
            "total_tokens": prompt_tokens + len(content) // 4,
        },
    }
    return json.dumps(body).encode()
