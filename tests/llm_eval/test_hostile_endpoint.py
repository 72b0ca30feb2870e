"""One hostile response never ends a run: each case becomes that sample's outcome, nothing hangs, the API
key reaches no file, and a rerun does not crash on anything cached."""

from __future__ import annotations

import json
import time
from pathlib import Path

from helpers.hostile_endpoint import MODES, HostileServer, smtt_case
from helpers.llm import config, records_of

from schedbench.llm_eval.runner import run_eval

SECRET = "sk-test-SECRET-0123456789abcdef"


def _all_bytes_under(root: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in root.rglob("*") if p.is_file()]


def test_every_hostile_case_is_an_outcome_and_the_run_completes(tmp_path, monkeypatch):
    monkeypatch.setenv("SB_HOSTILE_KEY", SECRET)
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(smtt_case(mode)) + "\n" for mode in MODES))
    with HostileServer() as server:
        cfg = config(
            tmp_path,
            server.url,
            model="hostile",
            api_key_env="SB_HOSTILE_KEY",
            timeout_s=2.0,
            total_deadline_s=5.0,
            max_attempts=2,
        )
        started = time.monotonic()
        summary = run_eval(cfg)
        elapsed = time.monotonic() - started
        rerun = run_eval(cfg)  # resumes: nothing cached or written may crash it
    assert elapsed < 25, f"a hostile endpoint held the run for {elapsed:.1f} s"
    assert summary.written == len(MODES) and rerun.written == 0
    by_name = {r["instance"]: r for r in records_of(tmp_path / "run")}
    outcome = {
        name.removeprefix("case_"): (r["outcome"], r.get("error_class")) for name, r in by_name.items()
    }
    assert outcome["ok"] == ("feasible", None)
    assert outcome["drip"] == ("request_error", "timeout")
    assert outcome["huge"] == ("request_error", "bad_response")
    assert outcome["deep_body"] == ("request_error", "bad_response")
    assert outcome["deep_content"] == ("parse_error", None)
    assert by_name["case_deep_content"]["parse_status"] == "too_deep"
    assert outcome["echo_key"] == ("request_error", "client_error")
    for mode in ("usage_str", "usage_types"):
        assert outcome[mode] == ("feasible", None)
        assert set(by_name[f"case_{mode}"]["usage"].values()) == {None}
    assert "[redacted]" in by_name["case_echo_key"]["error"]
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["llm"]["tokens"]["prompt_tokens"] == 20  # ok and deep_content; malformed usage counts 0
    for path, content in _all_bytes_under(tmp_path):
        assert SECRET.encode() not in content, f"the API key reached {path}"


def test_a_drip_is_cut_at_the_attempt_bound(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(smtt_case("drip")) + "\n")
    with HostileServer() as server:
        cfg = config(
            tmp_path, server.url, model="hostile", timeout_s=1.0, total_deadline_s=3.0, max_attempts=3
        )
        started = time.monotonic()
        run_eval(cfg)
        elapsed = time.monotonic() - started
    record = records_of(tmp_path / "run")[0]
    assert record["outcome"] == "request_error" and record["error_class"] == "timeout"
    assert all(a["latency_s"] < 1.5 for a in record["attempts"])  # each attempt bounded by its timeout
    assert elapsed < 10
