"""Harness overhead: requests/s of `schedbench llm eval` against a local server that answers instantly.

The baseline server runs in its own process (answers are cached per instance, so it is ~instant); the
harness does everything a real run does: prompts, requests through the openai SDK, parsing, exact
verification, one flushed JSONL record per sample (fsync'd by a background thread at most every 0.5 s),
manifest. Target: >= 200 requests/s at concurrency 64 on 2 cores.

    python benchmarks/bench_llm_overhead.py [--instances 200] [--samples 5] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtt_instances(n: int, jobs: int) -> list[dict]:
    import numpy as np

    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        p = rng.integers(1, 100, jobs)
        d = rng.integers(0, int(p.sum()), jobs)
        job_list = [
            {"name": f"J{j + 1}", "processing_time": int(p[j]), "due_date": int(d[j])} for j in range(jobs)
        ]
        out.append(
            {"schema": "schedbench/instance/v1", "problem": "smtt", "name": f"bench{i}", "jobs": job_list}
        )
    return out


async def raw_client_rps(url: str, messages: list, total: int, concurrency: int) -> float:
    """Requests/s of the retrying client alone (no parsing, verification or writing)."""
    from schedbench.llm_eval.client import ChatClient

    client = ChatClient(url, api_key="x", timeout_s=30, max_connections=concurrency)
    sem = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with sem:
            assert (await client.complete({"model": "m", "messages": messages})).ok

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(total)))
    elapsed = time.perf_counter() - start
    await client.aclose()
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()

    from schedbench.llm_eval.prompts import build_prompt
    from schedbench.llm_eval.runner import EvalConfig, run_eval
    from schedbench.problems import parse_instance

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "schedbench.cli",
            "llm",
            "serve-baseline",
            "--port",
            str(port),
            "--heuristic",
            "builtin",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/models", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data.jsonl"
            objs = smtt_instances(args.instances, args.jobs)
            data.write_text("".join(json.dumps(o) + "\n" for o in objs))
            messages = build_prompt(parse_instance(objs[0])).messages
            asyncio.run(
                raw_client_rps(url, messages, 200, args.concurrency)
            )  # warm the server's answer cache
            client_rps = asyncio.run(raw_client_rps(url, messages, 2000, args.concurrency))
            config = EvalConfig(
                data=str(data),
                base_url=url,
                model="schedbench-baseline",
                run_dir=str(Path(tmp) / "run"),
                samples=args.samples,
                concurrency=args.concurrency,
                use_cache=False,
                seed=0,
            )
            fsyncs = []
            real_fsync = os.fsync
            os.fsync = lambda fd: (fsyncs.append(fd), real_fsync(fd))[1]  # count them
            try:
                summary = run_eval(config)
            finally:
                os.fsync = real_fsync
            lines = (Path(tmp) / "run" / "samples.jsonl").read_text().splitlines()
            assert len(lines) == args.instances * args.samples
    finally:
        server.terminate()
        server.wait(10)
    eval_rps = summary.requests / summary.wall_s
    print(f"cpu cores: {os.cpu_count()} (shared with other work; server runs in a second process)")
    print(f"{'what':<44} {'requests':>9} {'seconds':>8} {'req/s':>8}")
    print(f"{'client only (SDK + retry layer)':<44} {2000:>9} {2000 / client_rps:>8.2f} {client_rps:>8.0f}")
    label = f"llm eval end to end (smtt n={args.jobs}, c={args.concurrency})"
    print(f"{label:<44} {summary.requests:>9} {summary.wall_s:>8.2f} {eval_rps:>8.0f}")
    print(f"fsync calls during the run: {len(fsyncs)} (samples.jsonl: at most every 0.5 s, and at close)")
    print(f"outcomes: {summary.outcomes}; target >= 200 req/s: {'met' if eval_rps >= 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
