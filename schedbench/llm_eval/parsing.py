"""Reading a model's answer: the last complete top-level JSON object, then its solution fields.

Tolerant but honest: an answer may be wrapped in prose or a code fence, but nothing is repaired.
A truncated or malformed object is a parse error; an inner object is never taken for the answer.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

_FENCE_RE = re.compile(r"```[^\n`]*\n?(.*?)```", re.S)


def _finite_or_text(text: str) -> float | str:
    """A JSON number as a float, or its source text when it overflows (1e400): records stay valid JSON."""
    value = float(text)
    return value if math.isfinite(value) else text


# NaN and Infinity (accepted by Python, not by JSON) are kept as text as well
_DECODER = json.JSONDecoder(parse_float=_finite_or_text, parse_constant=str)


class TooDeep(Exception):
    """The reply nests JSON deeper than Python's parser allows."""


@dataclass
class ParsedAnswer:
    """What could be read from a reply: ``status`` is ``ok``, ``no_json``, ``truncated``, ``too_deep`` or
    ``missing_key``."""

    status: str
    solution: dict[str, Any] | None = None
    claimed_objective: Any = None
    error: str | None = None
    extra_keys: list[str] = field(default_factory=list)
    truncated_after: bool = False  # an unfinished object follows the one taken

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _segments(text: str) -> list[str]:
    """Split text into fenced-block contents and the text between fences, in order."""
    out: list[str] = []
    pos = 0
    for match in _FENCE_RE.finditer(text):
        out.append(text[pos : match.start()])
        out.append(match.group(1))
        pos = match.end()
    out.append(text[pos:])
    return out


def _matching_brace(text: str, start: int) -> int | None:
    """Index just past the brace that closes ``text[start]``, skipping strings; None if unbalanced."""
    depth = 0
    in_string = False
    escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    return None


def _objects_in(segment: str) -> tuple[list[dict[str, Any]], bool]:
    """Top-level JSON objects of one segment, and whether the segment ends inside an unfinished object."""
    found: list[dict[str, Any]] = []
    end_of_content = len(segment.rstrip())
    i = segment.find("{")
    while i != -1:
        try:
            obj, end = _DECODER.raw_decode(segment, i)
        except RecursionError:
            raise TooDeep from None
        except json.JSONDecodeError as err:
            if err.pos >= end_of_content or err.msg.startswith("Unterminated string"):
                return (
                    found,
                    True,
                )  # the text stops inside this object: truncated, and inner objects don't count
            close = _matching_brace(segment, i)
            # a balanced but invalid span is skipped whole (its inner objects are not top level);
            # an unbalanced stray "{" in prose is stepped over
            i = segment.find("{", close if close is not None else i + 1)
            continue
        if isinstance(obj, dict):
            found.append(obj)
        i = segment.find("{", end)
    return found, False


def last_json_object(text: str) -> tuple[dict[str, Any] | None, bool]:
    """The last complete top-level JSON object in ``text`` (fenced or not), and whether text was truncated."""
    last: dict[str, Any] | None = None
    truncated = False
    for segment in _segments(text):
        objects, cut = _objects_in(segment)
        if objects:
            last = objects[-1]
        truncated = cut
    return last, truncated


def parse_answer(text: str | None, problem: str, instance_name: str) -> ParsedAnswer:
    """Read a solution dict for ``problem`` out of a reply, without judging the schedule itself."""
    if not text:
        return ParsedAnswer("no_json", error="empty reply")
    try:
        obj, truncated = last_json_object(text)
    except TooDeep:
        return ParsedAnswer("too_deep", error="the reply nests JSON deeper than the parser allows")
    if obj is None:
        if truncated:
            return ParsedAnswer("truncated", error="the reply ends inside an unfinished JSON object")
        return ParsedAnswer("no_json", error="no complete JSON object in the reply")
    key = "sequence" if problem == "smtt" else "starts"
    if key not in obj:
        return ParsedAnswer(
            "missing_key",
            error=f'the last JSON object has no "{key}" field (keys: {", ".join(map(str, obj)) or "none"})',
        )
    solution = {"schema": "schedbench/solution/v1", "instance": instance_name, key: obj[key]}
    extra = sorted(k for k in obj if k not in (key, "objective"))
    return ParsedAnswer(
        "ok",
        solution=solution,
        claimed_objective=obj.get("objective"),
        extra_keys=extra,
        truncated_after=truncated,
    )


def claim_status(claimed: Any, recomputed: int | None) -> str:
    """Compare a claimed objective with the verifier's: absent, match, mismatch, invalid or unverifiable."""
    if claimed is None:
        return "absent"
    if isinstance(claimed, bool) or not isinstance(claimed, (int, float)):
        return "invalid"
    if recomputed is None:
        return "unverifiable"
    return "match" if claimed == recomputed else "mismatch"
