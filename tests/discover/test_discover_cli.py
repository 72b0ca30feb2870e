"""`schedbench discover` as a new user runs it: SMTT from EDD against the mutate server, control arms in
the report, JSSP and RCPSP end to end, `serve-baseline --mode mutate` on its own port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run_args(splits: dict[str, str], url: str, out: Path, *extra: str) -> list[str]:
    return [
        "discover", "run", splits["train"], "--val", splits["val"], "--test", splits["test"],
        "--references", splits["references"], "--base-url", url, "--model", "mutate", "-o", str(out), *extra,
    ]  # fmt: skip


def test_smtt_from_edd_60_samples_beats_mdd_on_test(smtt_splits, mutate_server, tmp_path, cli_run):
    with mutate_server(hostile_rate=0.1, hostile_dir=str(tmp_path)) as server:
        done = cli_run(
            *_run_args(
                smtt_splits, server.url, tmp_path / "evolve", "--seed-rule", "edd", "--max-samples", "60"
            )
        )
        for arm in ("hillclimb", "random"):
            cli_run(
                *_run_args(smtt_splits, server.url, tmp_path / arm, "--strategy", arm, "--max-samples", "60")
            )
    assert "stopped: max_samples" in done.stdout
    test = json.loads((tmp_path / "evolve" / "test.json").read_text())
    assert test["metrics"]["fitness"] < test["builtins"]["mdd"]["fitness"]
    cli_run("discover", "report", str(tmp_path / "evolve"), "--compare", str(tmp_path / "hillclimb"),
            "--compare", str(tmp_path / "random"))  # fmt: skip
    report = (tmp_path / "evolve" / "report.md").read_text()
    assert "## Runs side by side" in report and "| random |" in report.replace(str(tmp_path) + "/", "")
    rows = [line for line in report.splitlines() if line.startswith(f"| {tmp_path}")]
    assert len(rows) == 3 and all(row.split(" | ")[2] == "60" and "| max_samples |" in row for row in rows)
    assert "Same budget for every run: max_samples 60" in report and "Dry run, not a model" in report
    assert (tmp_path / "evolve" / "compare.png").exists()
    assert "mdd" in report and "Lineage of the pick" in report
    again = cli_run("discover", "test", str(tmp_path / "evolve"), check=False)
    assert again.returncode == 2 and "--force" in again.stderr and again.stderr.count("\n") == 1


@pytest.mark.parametrize("problem", ["jssp", "rcpsp"])
def test_jssp_and_rcpsp_run_end_to_end(problem, jssp_splits, rcpsp_splits, mutate_server, tmp_path, cli_run):
    splits = jssp_splits if problem == "jssp" else rcpsp_splits
    with mutate_server(hostile_rate=0.1, hostile_dir=str(tmp_path)) as server:
        done = cli_run(
            *_run_args(
                splits,
                server.url,
                tmp_path / "run",
                "--max-samples",
                "10",
                "--islands",
                "2",
                "--pop-size",
                "2",
            )
        )
    assert "stopped: max_samples" in done.stdout and "test (" in done.stdout
    events = [json.loads(line) for line in (tmp_path / "run" / "events.jsonl").read_text().splitlines()]
    assert {e["rule"] for e in events if e["type"] == "seed"} >= (
        {"spt", "mwkr"} if problem == "jssp" else {"lft"}
    )
    assert sum(1 for e in events if e["type"] == "candidate") >= 10
    scheme = "active" if problem == "jssp" else "serial"
    exported = cli_run(
        "discover", "export", str(tmp_path / "run"), "--top", "1", "-o", str(tmp_path / "rules")
    )
    rule = Path(exported.stdout.split()[0])
    assert f'SCHEME = "{scheme}"' in rule.read_text()
    cli_run("leaderboard", splits["train"], "--references", splits["references"], "--heuristics", "all",
            "--plugin", str(rule), "-o", str(tmp_path / "board"), "--no-plots", "--no-progress", "-j", "1")  # fmt: skip
    cli_run("discover", "report", str(tmp_path / "run"), "--no-plots")
    report = (tmp_path / "run" / "report.md").read_text()
    assert "Metamorphic checks of the pick on validation" in report and "Gap % per class" in report


def test_serve_baseline_mutate_mode_answers_a_discovery_prompt(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "schedbench.cli",
            "llm",
            "serve-baseline",
            "--mode",
            "mutate",
            "--port",
            str(port),
            "--hostile-rate",
            "0",
        ],  # fmt: skip
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None and "serving" in server.stderr.readline()
        prompt = 'Signature: def priority(p, d, w, t, remaining):\n```python\n# idea: x\nimport numpy as np\n\nNAME = "edd"\n\ndef priority(p, d, w, t, remaining):\n    return d[remaining]\n```'
        body = json.dumps(
            {"model": "m", "seed": 3, "messages": [{"role": "user", "content": prompt}]}
        ).encode()
        answers = []
        for _ in range(2):
            with socket.create_connection(("127.0.0.1", port)) as conn:
                conn.sendall(
                    b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
            answers.append(json.loads(data.split(b"\r\n\r\n", 1)[1])["choices"][0]["message"]["content"])
        assert answers[0] == answers[1] and "```python" in answers[0] and "def priority" in answers[0]
    finally:
        server.terminate()
        server.wait(10)
