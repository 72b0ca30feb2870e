"""`schedbench discover run | resume | test | report | export`: evolve plug-in rules with an LLM."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

import click

from schedbench.cli import _options as opt
from schedbench.datasets.executors import Engine
from schedbench.discover.config import (
    DEFAULT_WEIGHTS,
    SANDBOXES,
    STRATEGIES,
    DiscoverConfig,
    StopRules,
    choose_sandbox,
    read_run_config,
)
from schedbench.discover.finish import export_rules, run_test
from schedbench.discover.loop import RunSummary, resume_discover, run_discover
from schedbench.discover.prompts import OPERATORS
from schedbench.problems import SchedbenchError
from schedbench.reports.discover import write_report


@click.group()
def discover() -> None:
    """Evolve heuristics (plug-in rules) with any OpenAI-compatible LLM, scored on held-out references.

    \b
    A dry run offline (the mutate server is a script, not a model):
      schedbench llm serve-baseline --mode mutate --port 8011 &
      schedbench discover run train.jsonl --val val.jsonl --test test.jsonl \\
          --references refs.jsonl --base-url http://127.0.0.1:8011/v1 --model mutate \\
          --seed-rule edd --max-samples 60 -o runs/evolve
      schedbench discover run ... --strategy random -o runs/random   # a control arm
      schedbench discover report runs/evolve --compare runs/random
      schedbench discover export runs/evolve -o rules/   # for leaderboard --plugin

    refs.jsonl is `schedbench solve` output covering all three splits, which must not share an
    instance. See the README's "Discovering heuristics" section.
    """


def _weights(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name not in OPERATORS:
            raise SchedbenchError(
                f"unknown operator {name!r}; known: {', '.join(OPERATORS)}", field="--operator-weights"
            )
        try:
            out[name] = float(value)
        except ValueError:
            raise SchedbenchError(f"{name}: {value!r} is not a number", field="--operator-weights") from None
    return out


def _budget_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--max-samples", type=opt.AT_LEAST_1, default=None, help="LLM requests (default 400)."
            ),
            click.option("--max-evals", type=opt.AT_LEAST_1, default=None, help="Candidate evaluations."),
            click.option(
                "--max-tokens", type=opt.AT_LEAST_1, default=None, help="Prompt + completion tokens."
            ),
            click.option("--max-cost", type=opt.POSITIVE, default=None, help="USD (needs --price-table)."),
            click.option("--max-wall", "max_wall_s", type=opt.POSITIVE, default=None, help="Wall seconds."),
            click.option(
                "--patience", type=opt.AT_LEAST_1, default=None, help="Validation rounds without gain."
            ),
            click.option(
                "--target-gap", type=opt.FiniteFloat(), default=None, help="Stop at this val fitness (%)."
            ),
            click.option(
                "--max-invalid-streak",
                type=int,
                default=None,
                help="Invalid candidates in a row (0: off; default 50).",
            ),
            click.option(
                "--max-transport-failures",
                type=int,
                default=None,
                help="Failed requests in a row (0: off; default 10).",
            ),
        ]
    ):
        command = option(command)
    return command


def _budgets(options: dict[str, Any]) -> dict[str, Any]:
    """Take the budget options out of ``options``; only the ones given."""
    names = ("max_samples", "max_evals", "max_tokens", "max_cost", "max_wall_s", "patience", "target_gap")
    given = {k: options.pop(k) for k in (*names, "max_invalid_streak", "max_transport_failures")}
    return {k: v for k, v in given.items() if v is not None}


def _warn_sandbox(wanted: str) -> list[str]:
    """Probe the sandbox level before the run starts: an unavailable level stops here with one line, a
    level below seccomp is warned about on stderr now (and again at the end)."""
    warnings = choose_sandbox(wanted)[2]
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    return warnings


def _echo(summary: RunSummary) -> None:
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"stopped: {summary.stop_reason}; pick {summary.pick} (validation fitness "
        f"{'-' if summary.pick_val is None else f'{summary.pick_val:.4f}%'}); sandbox {summary.sandbox}; "
        f"{summary.budget['samples']} samples, {summary.budget['evals']} evaluations, "
        f"{summary.budget['tokens']} tokens, {summary.wall_s:.1f} s -> {summary.run_dir}"
    )
    if summary.test is not None:
        _echo_test(summary.test)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}%"


def _echo_test(test: dict[str, Any]) -> None:
    metrics = test["metrics"]
    fitness = "invalid" if metrics["fitness"] is None else _pct(metrics["fitness"])
    gap = test.get("train_minus_val")
    click.echo(
        f"test ({test['instances']} instances, run {test['evaluations']} time(s)): pick {fitness} "
        f"(paper metric {_pct(metrics['paper_gap'])}); train {_pct(test.get('train_fitness'))}, "
        f"validation {_pct(test.get('val_fitness'))}, train - validation "
        f"{'-' if gap is None else f'{gap:+.4f}'}"
    )
    for rule, row in sorted(test["builtins"].items(), key=lambda kv: kv[1]["fitness"]):
        wtl = row.get("pick_vs") or {}
        click.echo(
            f"  {rule:14} {row['fitness']:10.4f}%  paper {_pct(row['paper_gap']):>10}  pick win/tie/loss "
            f"{wtl.get('win', '-')}/{wtl.get('tie', '-')}/{wtl.get('loss', '-')}"
        )
    meta = test.get("metamorphic_on_val")
    if meta:
        click.echo(
            f"metamorphic checks on validation ({meta['instances']} instances): relabelled jobs changed "
            f"{meta['changed']['relabel']}, doubled times changed {meta['changed']['scale']}; flags: "
            f"{', '.join(meta['flags']) or 'none'}"
        )


@discover.command("run")
@click.argument("train", type=click.Path(exists=True, dir_okay=False))
@click.option("--val", required=True, type=click.Path(exists=True, dir_okay=False), help="Validation split.")
@click.option(
    "--test", type=click.Path(exists=True, dir_okay=False), default=None, help="Held-out test split."
)
@click.option(
    "--references",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Solve output (all splits).",
)
@click.option("--base-url", required=True, help="OpenAI-compatible base URL.")
@click.option("--model", required=True, help="Model name sent with each request.")
@opt.output_option(help="RUN_DIR.", folder=True)
@click.option("--interface", default="priority", show_default=True, help="priority or sequence (SMTT).")
@click.option("--scheme", default=None, help="JSSP: active|nondelay; RCPSP: serial|parallel.")
@click.option(
    "--seed-rule",
    default=None,
    help="The rule every request of the random arm starts from (default: EDD, SPT or LFT); evolve and "
    "hillclimb start from all the seeds, the built-in rules, scored first.",
)
@click.option("--strategy", type=click.Choice(STRATEGIES), default="evolve", show_default=True)
@click.option("--islands", type=opt.AT_LEAST_1, default=4, show_default=True)
@click.option("--pop-size", type=opt.AT_LEAST_1, default=8, show_default=True)
@click.option(
    "--operator-weights",
    default=",".join(f"{k}={v:g}" for k, v in DEFAULT_WEIGHTS.items()),
    show_default=True,
    help="Weights of e1 (explore), e2 (crossover), m1 (modify), m2 (tune), m3 (simplify).",
)
@click.option("--no-repair", is_flag=True, help="No repair round after an invalid candidate.")
@click.option(
    "--val-every", type=opt.AT_LEAST_1, default=2, show_default=True, help="Generations per validation."
)
@click.option(
    "--val-top", type=opt.AT_LEAST_1, default=8, show_default=True, help="Candidates validated per round."
)
@_budget_options
@click.option("--price-table", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option(
    "--cpu-limit", type=opt.AT_LEAST_1, default=2, show_default=True, help="Plug-in CPU s per instance."
)
@opt.seconds_option("--timeout", 10.0, help="Plug-in wall seconds per instance.")
@click.option("--memory-mb", type=opt.AT_LEAST_1, default=1024, show_default=True)
@click.option(
    "--sandbox",
    type=click.Choice(SANDBOXES),
    default="auto",
    show_default=True,
    help="Plug-in sandbox level (auto: the strongest this machine gives).",
)
@click.option("--no-static-checks", is_flag=True, help="Send every parsing candidate to the sandbox.")
@click.option("--temperature", type=opt.FiniteFloat(), default=1.0, show_default=True)
@click.option("--max-tokens-per-call", type=opt.AT_LEAST_1, default=2048, show_default=True)
@click.option(
    "--concurrency",
    type=opt.AT_LEAST_1,
    default=4,
    show_default=True,
    help="Requests in flight at once (each reserves its worst-case tokens and cost first).",
)
@click.option("--no-cache", is_flag=True, help="No RUN_DIR/cache.sqlite of the answers.")
@opt.seed_option(0, help="Master seed of every random choice.")
@click.option("--api-key-env", default="OPENAI_API_KEY", show_default=True)
@opt.seconds_option("--request-timeout", 120.0, help="Seconds per HTTP attempt.")
@opt.cluster_options
def discover_run(
    train: str,
    output: str,
    operator_weights: str,
    no_repair: bool,
    no_static_checks: bool,
    no_cache: bool,
    timeout: float,
    request_timeout: float,
    cluster: str,
    cluster_config: str | None,
    **options: Any,
) -> None:
    """Evolve rules from the built-in seeds on TRAIN, pick on --val, test once on --test."""
    opt.check_cluster(cluster, cluster_config)
    budgets = _budgets(options)
    config = DiscoverConfig(
        train=train,
        run_dir=output,
        operator_weights=_weights(operator_weights),
        repair=not no_repair,
        static_checks=not no_static_checks,
        cache=not no_cache,
        timeout_s=timeout,
        request_timeout_s=request_timeout,
        stop=StopRules(**budgets),
        **options,
    )
    config.check()
    _warn_sandbox(config.sandbox)
    with _engine(cluster, cluster_config) as executor:
        _echo(run_discover(config, executor=executor))


@discover.command("resume")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--base-url", default=None, help="Another URL for the same model.")
@_budget_options
@opt.cluster_options
def discover_resume(
    run_dir: str, base_url: str | None, cluster: str, cluster_config: str | None, **options: Any
) -> None:
    """Resume RUN_DIR after a crash or with larger budgets; logged steps are replayed, not redone."""
    opt.check_cluster(cluster, cluster_config)
    _warn_sandbox(read_run_config(run_dir).sandbox)
    with _engine(cluster, cluster_config) as executor:
        _echo(resume_discover(run_dir, base_url=base_url, budgets=_budgets(options), executor=executor))


@discover.command("test")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Run the held-out test again (counted and shown).")
@opt.cluster_options
def discover_test(run_dir: str, force: bool, cluster: str, cluster_config: str | None) -> None:
    """Score the pick of RUN_DIR on its held-out test split, once."""
    opt.check_cluster(cluster, cluster_config)
    with _engine(cluster, cluster_config) as executor:
        _echo_test(run_test(run_dir, force=force, executor=executor))


def _engine(cluster: str, cluster_config: str | None) -> AbstractContextManager[Engine | None]:
    """Where candidates' instances run: here one by one (``local``), else on the engine --cluster names,
    side by side (the same scores either way)."""
    if cluster == "local":
        return nullcontext(None)
    from schedbench.datasets.executors import cores_available, open_engine

    return open_engine(cluster, jobs=cores_available(), config=cluster_config)


@discover.command("report")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--compare", multiple=True, type=click.Path(exists=True, file_okay=False), help="Other runs.")
@opt.output_option(help="Markdown file (default RUN_DIR/report.md).", required=False)
@click.option("--no-plots", is_flag=True, help="No PNG curves beside the Markdown.")
def discover_report(run_dir: str, compare: tuple[str, ...], output: str | None, no_plots: bool) -> None:
    """Write the report of RUN_DIR: Markdown and best-so-far curves (control arms side by side with
    --compare)."""
    click.echo(write_report(run_dir, compare, output, plots=not no_plots))


@discover.command("export")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--top", type=opt.AT_LEAST_1, default=3, show_default=True)
@opt.output_option(help="Folder for the plug-in files.", folder=True)
def discover_export(run_dir: str, top: int, output: str) -> None:
    """Write the best validated candidates as plug-in files for `schedbench leaderboard --plugin`."""
    for path in export_rules(run_dir, output, top=top):
        click.echo(path)
