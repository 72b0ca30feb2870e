"""The `schedbench` command line: parses options and calls the library.

Each command group lives in its own marked section. Library errors (`SchedbenchError`) become one line
on stderr and exit code 2; infeasible verdicts exit 1.
"""

from __future__ import annotations

import sys

import click

from schedbench import __version__
from schedbench.problems.errors import SchedbenchError


class _Group(click.Group):
    """A click group that turns our errors into one line and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SchedbenchError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted; results written so far are kept (re-run to resume)", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="schedbench")
def main() -> None:
    """Benchmark scheduling heuristics, exact solvers and LLMs on RCPSP, SMTT and job shop."""


# ---- section: core (schema, validate, verify) ----


@main.command()
@click.argument("problem", type=click.Choice(["rcpsp", "smtt", "jssp"]))
@click.option("--solution", is_flag=True, help="Print the solution schema instead of the instance schema.")
def schema(problem: str, solution: bool) -> None:
    """Print the JSON Schema of PROBLEM's instances (or solutions)."""
    import json

    from schedbench.problems import instance_schema, solution_schema

    click.echo(json.dumps((solution_schema if solution else instance_schema)(problem), indent=2))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check instance FILES: JSON Schema and meaning (names, cycles, capacities, machines)."""
    from schedbench.datasets.checking import validate_file

    for path in files:
        counts = validate_file(path)
        summary = ", ".join(f"{n} {problem}" for problem, n in sorted(counts.items()))
        click.echo(f"{path}: ok ({summary})")


@main.command(name="verify")
@click.argument("instances", type=click.Path(dir_okay=False))
@click.argument("solutions", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON line per solution instead of a table.")
def verify_cmd(instances: str, solutions: str, as_json: bool) -> None:
    """Verify SOLUTIONS against INSTANCES; exit 1 if any solution is infeasible."""
    from schedbench.datasets.checking import verify_file

    checked = verify_file(instances, solutions)
    if as_json:
        from schedbench.datasets.jsonl import dumps

        for item in checked:
            click.echo(dumps(item.to_dict()))
    else:
        from schedbench.reports.tables import print_verification_table

        print_verification_table(checked)
    if any(not item.verification.feasible for item in checked):
        sys.exit(1)


# ---- end section: core ----

# ---- section: generate ----


@main.group()
def generate() -> None:
    """Generate deterministic instance sets (same options and seed, same bytes)."""


def _write_generated(records, *, total: int, output: str, force: bool, command: str, config: dict) -> None:
    """Write records atomically behind a progress bar, then a manifest beside the output."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from schedbench.datasets import manifest_path_for, write_jsonl_atomic, write_manifest

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    console = Console(stderr=True)
    with Progress(*columns, transient=True, console=console, disable=not console.is_terminal) as progress:
        bar = progress.add_task(command, total=total)

        def ticking():
            for record in records:
                yield record
                progress.advance(bar)

        written = write_jsonl_atomic(output, ticking(), overwrite=force)
    manifest = write_manifest(manifest_path_for(output), command=command, config=config, outputs=[output])
    click.echo(f"wrote {written} instances to {output} (manifest {manifest})")


_output_option = click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Output .jsonl file."
)
_force_option = click.option("--force", is_flag=True, help="Overwrite an existing output file.")


@generate.command(name="rcpsp")
@click.option("--tasks", default=30, show_default=True, help="Tasks per instance.")
@click.option("--resources", default=3, show_default=True, help="Renewable resources.")
@click.option(
    "--levels",
    default="1-40",
    show_default=True,
    help="Levels (non-redundant precedences), e.g. 1-40 or 5,10.",
)
@click.option("--per-level", default=5, show_default=True, help="Instances per level.")
@click.option("--phase", type=click.Choice(["precedence", "side"]), default="precedence", show_default=True)
@click.option(
    "--families",
    default=None,
    help="Side families, e.g. downtime,windows,disjunctive or none (default: random).",
)
@click.option(
    "--family-probability",
    default=0.75,
    show_default=True,
    help="Chance of each family when --families is not given.",
)
@click.option(
    "--rendering", type=click.Choice(["synthetic", "domain"]), default="synthetic", show_default=True
)
@click.option("--layers", type=int, default=None, help="DAG layers (default: round(sqrt(tasks))).")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@_output_option
@_force_option
def generate_rcpsp(output: str, force: bool, **options) -> None:
    """The R-ConstraintBench RCPSP ladder: level k has exactly k non-redundant precedences."""
    from schedbench.generators.rcpsp import iter_rcpsp_ladder, parse_families, parse_levels

    options["levels"] = parse_levels(options["levels"])
    options["families"] = parse_families(options["families"])
    total = len(options["levels"]) * options["per_level"]
    records = iter_rcpsp_ladder(**options)
    _write_generated(
        records, total=total, output=output, force=force, command="generate rcpsp", config=options
    )


@generate.command(name="smtt")
@click.option("--jobs", default=20, show_default=True, help="Jobs per instance.")
@click.option("--tf", default="0.2,0.4,0.6,0.8,1.0", show_default=True, help="Tardiness factors.")
@click.option("--rdd", default="0.2,0.4,0.6,0.8,1.0", show_default=True, help="Relative due-date ranges.")
@click.option("--per-class", default=5, show_default=True, help="Instances per (TF, RDD) class.")
@click.option("--weighted", is_flag=True, help="Draw weights U{1..10}.")
@click.option(
    "--paper-compat", is_flag=True, help="Mimic the EDDC/MDDC paper's numpy code (p in 1..99, d truncated)."
)
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@_output_option
@_force_option
def generate_smtt_cmd(output: str, force: bool, **options) -> None:
    """Single-machine total tardiness after Potts & Van Wassenhove (1982)."""
    from schedbench.generators.smtt import iter_smtt, parse_float_list

    options["tf"] = parse_float_list(options["tf"], field="tf")
    options["rdd"] = parse_float_list(options["rdd"], field="rdd")
    total = len(options["tf"]) * len(options["rdd"]) * options["per_class"]
    _write_generated(
        iter_smtt(**options), total=total, output=output, force=force, command="generate smtt", config=options
    )


@generate.command(name="jssp")
@click.option("--jobs", required=True, type=int, help="Jobs per instance.")
@click.option("--machines", required=True, type=int, help="Machines (= operations per job).")
@click.option(
    "--count", default=1, show_default=True, help="Instances to draw (ignored with --taillard-seeds)."
)
@click.option("--seed", type=int, default=None, help="Random seed (default: fresh, recorded in meta).")
@click.option(
    "--taillard-seeds", default=None, help="TIME:MACHINE[,TIME:MACHINE...] or names like ta01,ta02."
)
@click.option(
    "--due-dates", "due_date_tightness", type=float, default=None, help="Add due dates floor(F * job work)."
)
@_output_option
@_force_option
def generate_jssp_cmd(output: str, force: bool, **options) -> None:
    """Job shop by Taillard's (1993) generator; published seeds give published instances."""
    from schedbench.generators._random import check_seed
    from schedbench.generators.jssp import iter_jssp, parse_taillard_seeds

    if options["taillard_seeds"]:
        options["taillard_seeds"] = parse_taillard_seeds(
            options["taillard_seeds"], jobs=options["jobs"], machines=options["machines"]
        )
        total = len(options["taillard_seeds"])
    else:
        options["seed"] = check_seed(options["seed"])
        total = options["count"]
    _write_generated(
        iter_jssp(**options), total=total, output=output, force=force, command="generate jssp", config=options
    )


# ---- end section: generate ----

# ---- section: import ----

_IMPORT_FORMATS = ("psplib", "orlib-jssp", "taillard", "orlib-wt", "smtt-paper")


@main.command(name="import")
@click.argument("format", metavar="FORMAT", type=click.Choice(_IMPORT_FORMATS))
@click.argument("paths", nargs=-1, required=True, type=click.Path(), metavar="PATH...")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Output .jsonl file.")
@click.option(
    "--references",
    "references",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="reference.csv, or an OR-Library wtopt/wtbest list; repeatable.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def import_cmd(
    format: str, paths: tuple[str, ...], output: str, references: tuple[str, ...], force: bool
) -> None:
    """Import public benchmark files (PATH: files or folders) into one instance .jsonl file.

    FORMAT: psplib (.sm), orlib-jssp, taillard, orlib-wt (wt40/wt50/wt100), smtt-paper (.jsonl).
    Instances the importer must leave out are named on stderr; nothing is ever repaired.
    """
    from pathlib import Path

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from schedbench.datasets import manifest_path_for, write_jsonl_atomic, write_manifest
    from schedbench.datasets.importers import expand_paths, import_files

    if Path(output).exists() and not force:
        raise SchedbenchError("already exists; choose another name or pass --force", source=output)
    files = expand_paths(format, paths)
    console = Console(stderr=True)
    columns = (
        TextColumn("import {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    quiet = len(files) < 20 or not console.is_terminal
    with Progress(*columns, console=console, transient=True, disable=quiet) as progress:
        bar = progress.add_task(format, total=len(files))
        result = import_files(format, files, list(references), on_file=lambda _path: progress.advance(bar))
    for name, reason in result.skipped:
        click.echo(f"skipped {name}: {reason}", err=True)
    if not result.instances:
        raise SchedbenchError("no instances left to write (all were skipped)")
    written = write_jsonl_atomic(output, result.instances, overwrite=force)
    config = {
        "format": format,
        "paths": list(paths),
        "references": list(references),
        "skipped": [{"name": name, "reason": reason} for name, reason in result.skipped],
    }
    manifest = write_manifest(
        manifest_path_for(output),
        command=f"import {format}",
        config=config,
        inputs=[*files, *references],
        outputs=[output],
    )
    with_ref = sum(1 for inst in result.instances if "reference" in inst["meta"])
    skipped = f", {len(result.skipped)} skipped" if result.skipped else ""
    click.echo(
        f"imported {written} instances from {len(files)} file{'s' if len(files) != 1 else ''} to {output} "
        f"({with_ref} with a reference{skipped}; manifest {manifest})"
    )


# ---- end section: import ----

# ---- section: solve ----

_SOLVER_CHOICES = ["auto", "cpsat", "mip", "mip-cbc", "mip-highs", "dp", "exact"]


@main.command("solve")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--solver",
    type=click.Choice(_SOLVER_CHOICES),
    default="auto",
    show_default=True,
    help="auto: DP for SMTT n<=20, exact decomposition for larger unweighted SMTT, else CP-SAT; "
    "mip: HiGHS if installed, else CBC.",
)
@click.option("--time-limit", type=float, default=10.0, show_default=True, help="Seconds per instance.")
@click.option("--workers", "-w", type=int, default=1, show_default=True, help="Solver threads per instance.")
@click.option("--jobs", "-j", type=int, default=1, show_default=True, help="Instances solved in parallel.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="JSONL to append results to; instances already in it are skipped (resume).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--deterministic-time",
    type=float,
    default=None,
    help="CP-SAT deterministic time limit, for repeatable runs.",
)
@click.option(
    "--mode",
    type=click.Choice(["optimize", "feasibility"]),
    default="optimize",
    show_default=True,
    help="feasibility: RCPSP stops at the first schedule.",
)
@click.option(
    "--references",
    type=click.Path(exists=True, dir_okay=False),
    help="reference.csv, earlier solve output, or instances with meta.reference to check against.",
)
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def solve_cmd(
    file, solver, time_limit, workers, jobs, output, seed, deterministic_time, mode, references, no_progress
) -> None:
    """Solve every instance in FILE exactly (CP-SAT, MIP, DP) and write verified solutions as JSONL."""
    from schedbench.solvers.batch import print_summary, solve_file

    summary = solve_file(
        file,
        output,
        solver=solver,
        time_limit=time_limit,
        workers=workers,
        jobs=jobs,
        seed=seed,
        deterministic_time=deterministic_time,
        mode=mode,
        references=references,
        progress=not no_progress and sys.stderr.isatty(),
    )
    print_summary(summary)
    if summary.flagged or summary.status_counts()["error"]:
        sys.exit(1)


# ---- end section: solve ----

# ---- section: heuristics / leaderboard ----


@main.group()
def heuristics() -> None:
    """Built-in heuristic rules."""


@heuristics.command("list")
@click.option(
    "--problem", type=click.Choice(["smtt", "jssp", "rcpsp"]), default=None, help="Only this problem."
)
def heuristics_list(problem: str | None) -> None:
    """List the built-in rules by problem."""
    from schedbench.heuristics import list_heuristics

    for h in list_heuristics(problem):
        click.echo(f"{h.problem:6} {h.name:20} {h.description}")


@main.command()
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False), help="Report folder."
)
@click.option("--references", type=click.Path(exists=True, dir_okay=False), help="Solve output JSONL.")
@click.option(
    "--heuristics", "names", default="all", show_default=True, help="Comma-separated rules, or all."
)
@click.option(
    "--plugin", "plugins", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Rule file."
)
@click.option("--workers", type=int, default=None, help="Parallel processes (default: CPU count).")
@click.option(
    "--cpu-limit", type=int, default=10, show_default=True, help="Plug-in CPU seconds per instance."
)
@click.option(
    "--timeout", type=float, default=30.0, show_default=True, help="Plug-in wall seconds per instance."
)
@click.option("--memory-mb", type=int, default=2048, show_default=True, help="Plug-in address space (MiB).")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
def leaderboard(
    data, out_dir, references, names, plugins, workers, cpu_limit, timeout, memory_mb, no_plots
) -> None:
    """Run every rule (and plug-in) on every instance of DATA and rank them against references.

    One record per rule and instance goes to OUTPUT/records.jsonl as it comes (re-running resumes);
    leaderboard.json, Markdown, CSV and PNG plots are written at the end. Plug-in limits are not a security boundary.
    """
    from rich.console import Console

    from schedbench.heuristics.leaderboard import run_leaderboard
    from schedbench.heuristics.sandbox import Limits
    from schedbench.reports.leaderboard import rich_table, write_reports

    limits = Limits(cpu_seconds=cpu_limit, wall_seconds=timeout, memory_bytes=memory_mb * 1024 * 1024)
    result = run_leaderboard(
        data,
        out_dir,
        heuristics=names,
        plugins=plugins,
        references=references,
        workers=workers,
        limits=limits,
    )
    result.files += write_reports(result, out_dir, plots=not no_plots)
    console = Console()
    console.print(rich_table(result))
    if result.suspects:
        count = len({s["instance"] for s in result.suspects})
        console.print(
            f"[bold red]{count} instance(s) have a reference claimed optimal that a heuristic beats; "
            "those references are wrong (see suspect_references.csv).[/]"
        )
    for path in result.files:
        click.echo(path)


# ---- end section: heuristics / leaderboard ----

# ---- section: llm ----


@main.group()
def llm() -> None:
    """Evaluate any OpenAI-compatible endpoint as a scheduling solver, scored by the exact verifier."""


@llm.command("eval")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--base-url", required=True, help="OpenAI-compatible base URL, e.g. http://localhost:8000/v1.")
@click.option("--model", required=True, help="Model name sent with each request.")
@click.option("-o", "--output", "run_dir", required=True, type=click.Path(file_okay=False), help="RUN_DIR.")
@click.option("--samples", default=1, show_default=True, help="Samples per instance (K).")
@click.option("--concurrency", default=8, show_default=True, help="Requests in flight at once.")
@click.option(
    "--temperature", type=float, default=None, help="Sampling temperature (server default if unset)."
)
@click.option("--seed", type=int, default=None, help="Seed; sample s is sent seed+s.")
@click.option("--max-tokens", type=int, default=None, help="max_tokens per response.")
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds per attempt.")
@click.option(
    "--deadline", type=float, default=900.0, show_default=True, help="Seconds per request, retries included."
)
@click.option("--max-attempts", default=6, show_default=True, help="Attempts per request.")
@click.option(
    "--response-format",
    type=click.Choice(["none", "json_object", "json_schema"]),
    default="none",
    show_default=True,
)
@click.option(
    "--rendering",
    type=click.Choice(["auto", "synthetic", "domain"]),
    default="auto",
    show_default=True,
    help="RCPSP prompt rendering; auto follows the instance's meta.",
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
@click.option("--limit", type=int, default=None, help="Only the first N instances.")
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
def llm_eval(data: str, run_dir: str, extra_body: str | None, no_cache: bool, **options) -> None:
    """Run (or resume) an evaluation of DATA.jsonl; one record per (instance, sample) in RUN_DIR.

    Re-running the same command skips finished samples. Exit code 2 with one line if the endpoint is
    unreachable at the start or stops answering (see --max-consecutive-failures).
    """
    import json

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from schedbench.llm_eval.runner import EvalConfig, run_eval

    try:
        body = json.loads(extra_body) if extra_body else None
    except json.JSONDecodeError as err:
        raise SchedbenchError(f"not JSON ({err.msg})", field="--extra-body") from None
    if body is not None and not isinstance(body, dict):
        raise SchedbenchError("must be a JSON object", field="--extra-body")
    config = EvalConfig(
        data=data,
        run_dir=run_dir,
        extra_body=body,
        use_cache=not no_cache,
        timeout_s=options.pop("timeout"),
        total_deadline_s=options.pop("deadline"),
        **options,
    )
    columns = (
        TextColumn("llm eval"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[info]}"),
    )
    console = Console(stderr=True)
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        bar = progress.add_task("eval", total=None, info="")

        def on_progress(done: int, total: int, outcomes) -> None:
            info = " ".join(f"{k}={v}" for k, v in sorted(outcomes.items()))
            progress.update(bar, completed=done, total=total, info=info)

        summary = run_eval(config, on_progress)
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(summary.outcomes.items())) or "nothing new"
    if summary.set_aside:
        click.echo(f"{summary.set_aside} request-error records moved to {run_dir}/retried_errors.jsonl")
    click.echo(
        f"{summary.written} new records ({outcomes}); {summary.skipped} already done; "
        f"{summary.requests} requests, {summary.cache_hits} cache hits, {summary.wall_s:.1f} s -> {run_dir}"
    )


@llm.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--compare", multiple=True, type=click.Path(file_okay=False), help="Other RUN_DIRs to compare.")
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Default: RUN_DIR/report.",
)
@click.option("--tau", default=0.5, show_default=True, help="Degradation threshold on F(k).")
@click.option("--weights", default="k", show_default=True, help="WAUC weights: k, uniform or k^2.")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
def llm_report(
    run_dir: str, compare: tuple[str, ...], out_dir: str | None, tau: float, weights: str, no_plots: bool
) -> None:
    """Tables (terminal, Markdown, CSV) and PNG plots for one run or several."""
    from schedbench.llm_eval.report import make_report

    written = make_report([run_dir, *compare], out_dir=out_dir, tau=tau, weights=weights, plots=not no_plots)
    click.echo(f"wrote {', '.join(str(p) for p in written)}")


@llm.command("serve-baseline")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option(
    "--heuristic",
    default="auto",
    show_default=True,
    help="auto, builtin, a registry rule name, or per problem: rcpsp=lft-serial,smtt=atc.",
)
@click.option("--style", type=click.Choice(["plain", "fenced", "prose"]), default="plain", show_default=True)
@click.option(
    "--faults",
    default="",
    help="Injected faults, e.g. garbage=0.1,truncate=0.05,infeasible=0.1,lie=0.05,429=0.05,500=0.05,delay=0.02.",
)
@click.option("--delay", default=5.0, show_default=True, help="Seconds added by the delay fault.")
@click.option("--retry-after", default="1", show_default=True, help="Retry-After header sent with 429.")
@click.option("--seed", default=0, show_default=True, help="Seed of the fault draws.")
@click.option("--model", default="schedbench-baseline", show_default=True, help="Model id served.")
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
) -> None:
    """Serve the OpenAI chat-completions protocol offline, answering from a heuristic."""
    from schedbench.llm_eval.baseline_server import BaselineConfig, parse_faults, serve

    config = BaselineConfig(
        heuristic=heuristic,
        style=style,
        faults=parse_faults(faults),
        delay_s=delay,
        retry_after=retry_after,
        seed=seed,
        model=model,
    )
    serve(
        config,
        host,
        port,
        on_ready=lambda url: click.echo(f"serving {model} at {url} (Ctrl-C to stop)", err=True),
    )


# ---- end section: llm ----

# ---- section: demo ----


@main.command()
@click.option("-o", "--out", "out_dir", default="schedbench-demo", show_default=True, help="Report folder.")
@click.option("--seed", default=1, show_default=True, help="Seed of the generated datasets.")
def demo(out_dir: str, seed: int) -> None:
    """Generate, solve and rank small datasets of all three problems; write a report folder.

    Offline, about two minutes on 2 cores. Re-running with the same folder resumes.
    """
    from schedbench.demo import run_demo

    result = run_demo(out_dir, seed=seed, progress=sys.stderr.isatty())
    click.echo(f"report: {result.report} ({result.seconds:.0f} s)")


# ---- end section: demo ----


if __name__ == "__main__":  # pragma: no cover
    main()
