"""Answer extraction: the last complete top-level JSON object, never an inner one, nothing repaired."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.llm_eval.parsing import claim_status, last_json_object, parse_answer

ANSWER = {"starts": {"a": 0, "b": [1, 2]}, "objective": 7}
TEXT = json.dumps(ANSWER)


def test_plain_fenced_and_prose_wrapped_answers_parse_to_the_same_object():
    wrappings = [
        TEXT,
        f"```json\n{TEXT}\n```",
        f"```\n{TEXT}\n```",
        f"Let me think.\nThe schedule is:\n{TEXT}\nThat is my answer.",
        f"Reasoning first.\n```json\n{TEXT}\n```\nHope this helps!",
    ]
    for text in wrappings:
        obj, truncated = last_json_object(text)
        assert obj == ANSWER and not truncated, text


def test_outermost_object_is_taken_never_the_inner_one():
    obj, _ = last_json_object('prefix {"starts": {"x": {"y": 1}}, "objective": 2} suffix')
    assert obj == {"starts": {"x": {"y": 1}}, "objective": 2}


def test_last_complete_object_wins():
    text = 'First draft {"starts": {"a": 5}} then the final ```json\n{"starts": {"a": 1}}\n```'
    assert last_json_object(text)[0] == {"starts": {"a": 1}}


def test_truncated_answer_is_a_parse_error_not_its_inner_object():
    text = '```json\n{"starts": {"a": 1, "b": 2}, "objective": 1'
    parsed = parse_answer(text, "rcpsp", "i")
    assert parsed.status == "truncated" and parsed.solution is None
    assert parse_answer('{"starts": {"a": 1}, "note": "unfinished str', "rcpsp", "i").status == "truncated"


def test_draft_then_truncated_final_keeps_the_draft_and_says_so():
    parsed = parse_answer('{"starts": {"a": 0}} and now {"starts": {"a": 1', "rcpsp", "i")
    assert parsed.ok and parsed.solution["starts"] == {"a": 0} and parsed.truncated_after


def test_garbage_and_malformed_objects_are_parse_errors():
    for text in [
        "I cannot do that.",
        "",
        "{not json}",
        '{"starts": {"a": 1}, oops}',
        "```\n{'starts': {}}\n```",
    ]:
        parsed = parse_answer(text, "jssp", "i")
        assert not parsed.ok and parsed.status == "no_json", text


def test_malformed_outer_object_does_not_leak_its_inner_object():
    assert last_json_object('{"starts": {"a": 1}, "objective": seven}')[0] is None


def test_braces_inside_strings_and_stray_braces_in_prose():
    assert last_json_object('{"note": "}{", "sequence": ["x"]}')[0] == {"note": "}{", "sequence": ["x"]}
    assert last_json_object('Use {braces wisely. {"sequence": ["x"]}')[0] == {"sequence": ["x"]}


def test_missing_answer_key_is_a_parse_error_and_solution_shape_follows_the_problem():
    assert parse_answer('{"schedule": {"a": 1}}', "rcpsp", "i").status == "missing_key"
    assert parse_answer('{"starts": {"a": 1}}', "smtt", "i").status == "missing_key"
    parsed = parse_answer('{"sequence": ["b", "a"], "objective": 3, "why": "edd"}', "smtt", "inst")
    assert parsed.solution == {"schema": "schedbench/solution/v1", "instance": "inst", "sequence": ["b", "a"]}
    assert parsed.claimed_objective == 3 and parsed.extra_keys == ["why"]


def test_overflowing_and_non_finite_numbers_stay_valid_json_text():
    parsed = parse_answer('{"starts": {"A": 1e400, "B": NaN, "C": 7}, "objective": -Infinity}', "rcpsp", "x")
    assert parsed.ok
    assert parsed.solution["starts"] == {"A": "1e400", "B": "NaN", "C": 7}
    assert parsed.claimed_objective == "-Infinity"
    json.dumps(parsed.solution, allow_nan=False)  # raises if a non-finite float slipped through
    assert claim_status(parsed.claimed_objective, 10) == "invalid"


def test_claim_status():
    assert claim_status(None, 5) == "absent"
    assert claim_status(5, 5) == "match" and claim_status(5.0, 5) == "match"
    assert claim_status(6, 5) == "mismatch"
    assert claim_status("5", 5) == "invalid" and claim_status(True, 1) == "invalid"
    assert claim_status(5, None) == "unverifiable"


_names = st.text(alphabet="abcdefghij_0123456789", min_size=1, max_size=6)
_solutions = st.fixed_dictionaries(
    {"starts": st.dictionaries(_names, st.integers(-5, 10_000), min_size=1, max_size=8)},
    optional={"objective": st.integers(0, 10_000)},
)
_prose = st.text(
    alphabet=st.characters(blacklist_characters='{}`"', blacklist_categories=("Cs",)), max_size=40
)


@settings(max_examples=150, deadline=None)
@given(_solutions, _prose, _prose, st.booleans())
def test_property_any_wrapping_returns_the_object(solution, before, after, fenced):
    body = json.dumps(solution)
    text = f"{before}\n```json\n{body}\n```\n{after}" if fenced else f"{before} {body} {after}"
    assert last_json_object(text)[0] == solution


@settings(max_examples=150, deadline=None)
@given(_solutions, st.data())
def test_property_every_strict_prefix_is_not_an_answer(solution, data):
    body = json.dumps(solution)
    cut = data.draw(st.integers(1, len(body) - 1))
    obj, _ = last_json_object(body[:cut])
    assert obj is None  # a prefix of one object never yields an inner object
