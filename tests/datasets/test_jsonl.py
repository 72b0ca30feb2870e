"""JSONL files: resume never deletes data, strict JSON for user input, atomic writes with the usual mode."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from helpers.llm import config, write_data

from schedbench.datasets import JsonlAppender, iter_jsonl, write_jsonl_atomic
from schedbench.datasets.files import write_text_atomic
from schedbench.datasets.jsonl import expect_fields, read_jsonl_tolerant
from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.llm_eval.runner import run_eval
from schedbench.problems import SchedbenchError


def _records(n: int) -> list[dict]:
    return [{"instance": f"i{k}", "value": k} for k in range(n)]


def _write_lines(path: Path, lines: list[str], *, final_newline: bool = True) -> bytes:
    data = ("\n".join(lines) + ("\n" if final_newline else "")).encode()
    path.write_bytes(data)
    return data


def test_a_damaged_middle_line_is_refused_and_nothing_is_deleted(tmp_path):
    path = tmp_path / "samples.jsonl"
    lines = [json.dumps(r) for r in _records(20)]
    lines[2] = lines[2][:9]  # line 3 damaged in the middle of the file
    before = _write_lines(path, lines)
    with pytest.raises(SchedbenchError, match=r"samples\.jsonl:3: .*nothing was appended or deleted"):
        JsonlAppender(path)
    assert path.read_bytes() == before


def test_a_text_file_is_not_taken_for_records(tmp_path):
    notes = tmp_path / "notes.txt"
    before = _write_lines(notes, ["my notes", "do not delete"], final_newline=False)
    with pytest.raises(SchedbenchError, match=r"notes\.txt:1: "):
        JsonlAppender(notes)
    assert notes.read_bytes() == before
    lone = tmp_path / "lone.txt"
    lone.write_bytes(b"a single line without newline")
    with pytest.raises(SchedbenchError, match=r"lone\.txt:1: "):
        JsonlAppender(lone)
    assert lone.read_bytes() == b"a single line without newline"


def test_records_of_another_kind_are_refused(tmp_path):
    path = tmp_path / "out.jsonl"
    before = _write_lines(path, [json.dumps({"instance": "a", "schema": "schedbench/instance/v1"})])
    with pytest.raises(SchedbenchError, match=r"out\.jsonl:1: expected schema"):
        JsonlAppender(path, check=expect_fields(schema="schedbench/solution/v1"))
    assert path.read_bytes() == before


def test_only_a_torn_final_line_is_cut(tmp_path):
    path = tmp_path / "run.jsonl"
    lines = [json.dumps(r) for r in _records(3)]
    _write_lines(path, [*lines, '{"instance": "i3", "val'], final_newline=False)
    with JsonlAppender(path) as app:
        assert [r["instance"] for r in app.existing] == ["i0", "i1", "i2"]
        app.write({"instance": "i3", "value": 3})
    assert [r["instance"] for r in read_jsonl_tolerant(path)] == ["i0", "i1", "i2", "i3"]


def test_a_whole_final_record_without_newline_is_kept(tmp_path):
    path = tmp_path / "run.jsonl"
    _write_lines(path, [json.dumps(r) for r in _records(2)], final_newline=False)
    with JsonlAppender(path) as app:
        assert len(app.existing) == 2
        app.write({"instance": "i2", "value": 2})
    assert [r["value"] for r in read_jsonl_tolerant(path)] == [0, 1, 2]


def test_the_tolerant_reader_refuses_a_bad_middle_line_but_ignores_a_torn_end(tmp_path):
    path = tmp_path / "run.jsonl"
    _write_lines(path, [json.dumps(r) for r in _records(2)] + ['{"instance"'], final_newline=False)
    assert len(read_jsonl_tolerant(path)) == 2
    _write_lines(path, ["{oops", json.dumps(_records(1)[0])])
    with pytest.raises(SchedbenchError, match=r"run\.jsonl:1: "):
        read_jsonl_tolerant(path)


def test_llm_eval_refuses_a_damaged_samples_file_and_sends_nothing(tmp_path):
    write_data(tmp_path / "data.jsonl", n_smtt=2)
    with ServerThread(BaselineConfig()) as server:
        cfg = config(tmp_path, server.url, use_cache=False)
        run_eval(cfg)
        samples = tmp_path / "run" / "samples.jsonl"
        lines = samples.read_text().split("\n")
        lines[1] = lines[1][:20]
        samples.write_text("\n".join(lines))
        before = samples.read_bytes()
        sent = server.handler.stats["chat"]
        with pytest.raises(SchedbenchError, match=r"samples\.jsonl:2: "):
            run_eval(cfg)
        assert server.handler.stats["chat"] == sent
    assert samples.read_bytes() == before


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_lines_split_on_newline_only(tmp_path, separator):
    path = tmp_path / "names.jsonl"
    write_jsonl_atomic(path, [{"instance": f"a{separator}b"}, {"instance": "c"}])
    assert [obj["instance"] for _, obj in iter_jsonl(path)] == [f"a{separator}b", "c"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "duplicate key 'a'"),
        ('{"a": NaN}', "NaN is not standard JSON"),
        ('{"a": Infinity}', "Infinity is not standard JSON"),
        ('{"a": 2.9999999999999999}', "rounds to 3"),
        ('{"a": ' + "9" * 5000 + "}", "invalid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_odd_json_is_a_located_error_not_a_traceback(tmp_path, text, message):
    path = tmp_path / "odd.jsonl"
    path.write_text('{"fine": 1}\n' + text + "\n")
    with pytest.raises(SchedbenchError, match=rf"odd\.jsonl:2: .*{message}"):
        list(iter_jsonl(path))


def test_exact_floats_are_still_accepted(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text('{"a": 3.0, "b": 0.1, "c": 1e3}\n')
    assert list(iter_jsonl(path)) == [(1, {"a": 3.0, "b": 0.1, "c": 1000.0})]


def test_an_error_in_a_multi_line_json_document_names_its_line(tmp_path):
    path = tmp_path / "one.json"
    path.write_text('{\n  "schema": "x",\n  "name": "a",\n  "meta": {},\n  "bad": [1,,2]\n}\n')
    with pytest.raises(SchedbenchError, match=r"one\.json:5: invalid JSON"):
        list(iter_jsonl(path))


def test_atomic_writes_honour_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_jsonl_atomic(tmp_path / "a.jsonl", _records(1))
        write_text_atomic(tmp_path / "b.json", "{}\n")
    finally:
        os.umask(old)
    for name in ("a.jsonl", "b.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_an_unwritable_place_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SchedbenchError, match=r"file/out\.jsonl: cannot write"):
        write_jsonl_atomic(blocker / "out.jsonl", _records(1))


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")

    def full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SchedbenchError, match="No space left on device"):
        write_jsonl_atomic(target, _records(3), overwrite=True)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_atomic_write_refuses_overwrite_and_leaves_nothing_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    write_jsonl_atomic(target, [{"a": 1}])
    with pytest.raises(SchedbenchError, match="already exists"):
        write_jsonl_atomic(target, [{"a": 2}])
    assert target.read_text() == '{"a":1}\n'

    def exploding():
        yield {"b": 1}
        raise RuntimeError("generator died")

    with pytest.raises(RuntimeError):
        write_jsonl_atomic(tmp_path / "new.jsonl", exploding())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_appender_cuts_a_torn_last_line_and_resumes(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text('{"instance":"a"}\n{"instance":"b"}\n{"instan')
    with JsonlAppender(path) as out:
        assert out.done_keys() == {"a", "b"}
        out.write({"instance": "c"})
    assert [json.loads(line)["instance"] for line in path.read_text().splitlines()] == ["a", "b", "c"]


def test_a_lone_surrogate_is_refused_but_a_pair_is_kept(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"name": "\\ud83d\\ude00"}\n{"name": "\\ud800x"}\n')
    with pytest.raises(SchedbenchError, match=r"s\.jsonl:2: .*lone surrogate"):
        list(iter_jsonl(path))
    path.write_text('{"name": "\\ud83d\\ude00"}\n')
    assert list(iter_jsonl(path)) == [(1, {"name": "\U0001f600"})]
