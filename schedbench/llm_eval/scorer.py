"""Scoring one reply: content extraction, answer parsing, the verifier's judgement, gaps.

`score_response` is a pure function of the prepared instance and what the client got back. Whatever a
reply contains, scoring returns that round's outcome; it never raises.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from schedbench.datasets.jsonl import JsonValue
from schedbench.datasets.references import sample_gap_pct
from schedbench.llm_eval.client import CallResult, usage_of
from schedbench.llm_eval.dataset import PreparedSample
from schedbench.llm_eval.parsing import claim_status, parse_answer
from schedbench.llm_eval.records import compact_response
from schedbench.problems import Violation, verify
from schedbench.records.sample import RoundResult

_ERROR_TEXT = 300  # characters of an exception kept in a record
VIOLATIONS_PER_CODE = 20  # violations of one code kept in a record
USAGE_KEYS = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "total_tokens")


def score_response(prep: PreparedSample, reply: CallResult, *, cache_hit: bool = False) -> RoundResult:
    """One round's record fields: a failed request, or the answer parsed, verified and compared."""
    scored = RoundResult(
        outcome="request_error",
        cache_hit=cache_hit,
        attempts=reply.attempts,
        latency_s=reply.latency_s,
        elapsed_s=reply.elapsed_s,
    )
    if reply.body is None:
        scored.error_class, scored.error = reply.error_class, reply.error
        return scored
    scored.response = reply.body
    try:
        _score_body(prep, reply.body, scored)
    except Exception as exc:  # a hostile reply (or a bug) is this sample's outcome, never the run's end
        scored.outcome = "parse_error"
        scored.parse_status = "scoring_error"
        scored.parse_error = _short(exc)
        scored.solution = None
    return scored


def _score_body(prep: PreparedSample, body: dict[str, JsonValue], scored: RoundResult) -> None:
    choices = body.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    message = choice.get("message")
    scored.content = message_text(message if isinstance(message, dict) else {})
    scored.response = compact_response(body, scored.content)  # the content is stored once, as `content`
    finish = choice.get("finish_reason")
    scored.finish_reason = finish if isinstance(finish, str) else None
    scored.usage = usage_of(body)
    parsed = parse_answer(scored.content, prep.inst.problem, prep.inst.name)
    scored.parse_status, scored.parse_error, scored.solution = parsed.status, parsed.error, parsed.solution
    if parsed.truncated_after:
        scored.parse_note = "an unfinished JSON object follows the one taken"
    scored.outcome = "parse_error"
    if not parsed.ok:
        return
    try:
        verification = verify(prep.inst, parsed.solution)
    except Exception as exc:  # a verifier bug must not end the run; the record says what happened
        scored.parse_status, scored.parse_error = "verifier_error", f"{type(exc).__name__}: {exc}"
        return
    objective = verification.objective
    scored.outcome = "feasible" if verification.feasible else "infeasible"
    scored.violation_counts = dict(Counter(v.code for v in verification.violations))
    scored.violations = capped_violations(verification.violations)
    scored.objective = objective
    scored.claimed_objective = parsed.claimed_objective
    scored.claim_status = claim_status(parsed.claimed_objective, objective)
    if verification.feasible:
        ref = prep.reference or {}
        scored.gap_pct = sample_gap_pct(objective, ref.get("value"))
        scored.gap_to_bound_pct = sample_gap_pct(objective, ref.get("lower_bound"))


def capped_violations(
    violations: Iterable[Violation], per_code: int = VIOLATIONS_PER_CODE
) -> list[JsonValue]:
    """The first ``per_code`` violations of each code, in order (the full counts go to
    ``violation_counts``), so an answer naming a million unknown tasks stays a small record."""
    kept: Counter[str] = Counter()
    out = []
    for violation in violations:
        kept[violation.code] += 1
        if kept[violation.code] <= per_code:
            out.append(violation.to_dict())
    return out


def message_text(message: dict[str, JsonValue]) -> str | None:
    """The answer's text: a string as it is, content parts joined in order, other JSON as JSON."""
    content = message.get("content")
    if isinstance(content, list):  # content parts: keep their text, in order
        return "".join(
            p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)
        )
    if content is not None and not isinstance(content, str):
        return json.dumps(content)
    return content


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= _ERROR_TEXT else text[: _ERROR_TEXT - 3] + "..."
