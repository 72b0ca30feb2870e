"""`schedbench llm eval`, `llm report` and `llm serve-baseline`: LLMs as scheduling solvers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click

from schedbench.cli._options import (
    AT_LEAST_1,
    FRACTION,
    NON_NEGATIVE,
    POSITIVE,
    FiniteFloat,
    no_progress_option,
    output_option,
    renamed_from,
    seconds_option,
    seed_option,
    shard_option,
    show_progress,
)
from schedbench.llm_eval.baseline_server import MODES, STYLES, BaselineConfig, parse_faults, serve
from schedbench.llm_eval.merge import merge_runs
from schedbench.llm_eval.mutate import MutateConfig
from schedbench.llm_eval.runner import EvalConfig, run_eval
from schedbench.problems.errors import SchedbenchError
from schedbench.reports.llm import make_report
from schedbench.reports.progress import progress


@click.group()
def llm() -> None:
    """Evaluate any OpenAI-compatible endpoint as a scheduling solver, scored by the exact verifier."""


def _json_object(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        body = json.loads(text)
    except json.JSONDecodeError as err:
        raise SchedbenchError(f"not JSON ({err.msg})", field="--extra-body") from None
    if not isinstance(body, dict):
        raise SchedbenchError("must be a JSON object", field="--extra-body")
    return body


@llm.command("eval")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--base-url", required=True, help="OpenAI-compatible base URL, e.g. http://localhost:8000/v1.")
@click.option("--model", required=True, help="Model name sent with each request.")
@output_option(help="RUN_DIR: samples.jsonl, manifest, log.", folder=True)
@click.option("--samples", default=1, show_default=True, help="Samples per instance (K).")
@click.option("--concurrency", default=8, show_default=True, help="Requests in flight at once.")
@click.option(
    "--temperature", type=FiniteFloat(), default=None, help="Sampling temperature (server default if unset)."
)
@seed_option(None, help="Seed; sample s is sent seed+s.")
@click.option("--max-tokens", type=AT_LEAST_1, default=None, help="max_tokens per response.")
@seconds_option("--request-timeout", 120.0, help="Seconds per HTTP attempt.")
@seconds_option("--deadline", 900.0, help="Seconds per request, retries included.")
@click.option("--max-attempts", type=AT_LEAST_1, default=6, show_default=True, help="Attempts per request.")
@click.option(
    "--response-format", default="none", show_default=True, help="none, json_object or json_schema."
)
@click.option(
    "--rendering",
    default="auto",
    show_default=True,
    help="RCPSP prompt rendering: auto (follows the instance's meta), synthetic or domain.",
)
@click.option(
    "--repair-rounds", default=0, show_default=True, help="Rounds of verifier feedback after round 0."
)
@click.option(
    "--api-key-env", default="OPENAI_API_KEY", show_default=True, help="Environment variable of the key."
)
@click.option("--extra-body", default=None, help="JSON object passed through to the server.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the response cache.")
@click.option(
    "--cache", "cache_path", type=click.Path(dir_okay=False), default=None, help="Cache file (sqlite)."
)
@click.option(
    "--references", type=click.Path(dir_okay=False), default=None, help="Solve-output JSONL with references."
)
@click.option(
    "--price-table", type=click.Path(dir_okay=False), default=None, help="JSON prices per 1M tokens."
)
@click.option("--limit", type=AT_LEAST_1, default=None, help="Only the first N instances.")
@shard_option("schedbench llm merge")
@click.option(
    "--max-consecutive-failures",
    default=10,
    show_default=True,
    help="Stop the run after this many requests in a row fail to connect (0: never). Samples in "
    "flight are not recorded, so a re-run resumes them.",
)
@click.option(
    "--retry-errors",
    is_flag=True,
    help="On a resumed run, send request_error samples again (also those whose repair loop ended on a "
    "failed request): their records move from samples.jsonl to RUN_DIR/retried_errors.jsonl (kept for "
    "audit) and each sample gets one new record.",
)
@no_progress_option
@renamed_from("--timeout", "request_timeout", type=POSITIVE)
def llm_eval(
    data: str,
    output: str,
    extra_body: str | None,
    no_cache: bool,
    request_timeout: float,
    deadline: float,
    no_progress: bool,
    shard: tuple[int, int] | None,
    **options: Any,
) -> None:
    """Run (or resume) an evaluation of DATA.jsonl; one record per (instance, sample) in RUN_DIR.

    Re-running the same command skips finished samples. Exit code 2 with one line if the endpoint is
    unreachable at the start or stops answering (see --max-consecutive-failures).
    """
    config = EvalConfig(
        data=data,
        run_dir=output,
        extra_body=_json_object(extra_body),
        use_cache=not no_cache,
        timeout_s=request_timeout,
        total_deadline_s=deadline,
        shard=None if shard is None else f"{shard[0]}/{shard[1]}",
        **options,
    )
    with progress("llm eval", enabled=show_progress(no_progress)) as bar:

        def on_progress(done: int, total: int, outcomes: Mapping[str, int]) -> None:
            bar.update(done, total, outcomes)

        summary = run_eval(config, on_progress)
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items())) or "nothing new"
    if summary.set_aside:
        click.echo(f"{summary.set_aside} request-error records moved to {output}/retried_errors.jsonl")
    click.echo(
        f"{summary.written} new records ({outcomes}); {summary.skipped} already done; "
        f"{summary.requests} requests, {summary.cache_hits} cache hits, {summary.wall_s:.1f} s -> {output}"
    )


@llm.command("merge")
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@output_option(help="The merged RUN_DIR (new).", folder=True)
def llm_merge(data: str, shards: tuple[str, ...], output: str) -> None:
    """Join `llm eval --shard I/N` RUN_DIRs (SHARDS) of DATA into one RUN_DIR; each instance exactly once."""
    count = merge_runs(data, shards, output)
    click.echo(f"{output}: {count} records from {len(shards)} shards")


@llm.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--compare", multiple=True, type=click.Path(file_okay=False), help="Other RUN_DIRs to compare.")
@output_option(help="Report folder (default: RUN_DIR/report).", folder=True, required=False)
@click.option("--tau", type=FRACTION, default=0.5, show_default=True, help="Degradation threshold on F(k).")
@click.option("--weights", default="k", show_default=True, help="WAUC weights: k, uniform or k^2.")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
def llm_report(
    run_dir: str, compare: tuple[str, ...], output: str | None, tau: float, weights: str, no_plots: bool
) -> None:
    """Tables (terminal, Markdown, CSV) and PNG plots for one run or several."""
    written = make_report([run_dir, *compare], out_dir=output, tau=tau, weights=weights, plots=not no_plots)
    click.echo(f"wrote {', '.join(str(p) for p in written)}")


@llm.command("serve-baseline")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--heuristic",
    default="auto",
    show_default=True,
    help="auto, builtin, a registry rule name, or per problem: rcpsp=lft-serial,smtt=atc.",
)
@click.option("--style", type=click.Choice(STYLES), default="plain", show_default=True)
@click.option(
    "--faults",
    default="",
    help="Injected faults, e.g. garbage=0.1,truncate=0.05,infeasible=0.1,lie=0.05,429=0.05,500=0.05,delay=0.02.",
)
@click.option(
    "--delay", type=NON_NEGATIVE, default=5.0, show_default=True, help="Seconds added by the delay fault."
)
@click.option("--retry-after", default="1", show_default=True, help="Retry-After header sent with 429.")
@seed_option(0, help="Seed of the fault draws.")
@click.option("--model", default="schedbench-baseline", show_default=True, help="Model id served.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    help="solve (default): answer `llm eval` prompts with a schedule; mutate: answer `discover` prompts "
    "with edited rules.",
    default="solve",
)
@click.option(
    "--hostile-rate", type=FRACTION, default=0.1, show_default=True, help="mutate: share of hostile rules."
)
@click.option(
    "--hostile-port",
    type=click.IntRange(1, 65535),
    default=9,
    show_default=True,
    help="mutate: socket target.",
)
@click.option(
    "--hostile-dir", default="/tmp", show_default=True, help="mutate: where hostile rules try to write."
)
def llm_serve_baseline(
    host: str,
    port: int,
    heuristic: str,
    style: str,
    faults: str,
    delay: float,
    retry_after: str,
    seed: int,
    model: str,
    mode: str,
    hostile_rate: float,
    hostile_port: int,
    hostile_dir: str,
) -> None:
    """Serve the OpenAI chat-completions protocol offline, answering from a heuristic."""
    config = BaselineConfig(
        heuristic=heuristic,
        style=style,
        faults=parse_faults(faults),
        delay_s=delay,
        retry_after=retry_after,
        seed=seed,
        model=model,
        mode=mode,
        mutate=MutateConfig(
            seed=seed, hostile_rate=hostile_rate, hostile_port=hostile_port, hostile_dir=hostile_dir
        ),
    )
    serve(
        config,
        host,
        port,
        on_ready=lambda url: click.echo(f"serving {model} at {url} (Ctrl-C to stop)", err=True),
    )
