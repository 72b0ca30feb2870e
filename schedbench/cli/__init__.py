"""The `schedbench` command line: parses options and calls the library, one module per command group.

Library errors (`SchedbenchError`) and bad option values become one line on stderr and exit code 2;
infeasible verdicts exit 1. A command's module (and the library behind it) is imported only when that
command runs, so `schedbench --help` stays fast; heavy libraries load only inside the functions that use them.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from schedbench import __version__
from schedbench.problems.errors import SchedbenchError

__all__ = ["main"]

_HELP_ONLY = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2: a bare group prints help


# command -> (module in schedbench.cli, attribute, summary for `schedbench --help`); the summaries are
# the commands' own first docstring lines (tests/cli/test_help.py checks they agree).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "schema": ("core", "schema", "Print the JSON Schema of PROBLEM's instances (or solutions)."),
    "validate": ("core", "validate", "Check instance FILES: JSON Schema and meaning (names, cycles, capacities, machines)."),
    "verify": ("core", "verify", "Verify SOLUTIONS against INSTANCES; exit 1 if any solution is infeasible."),
    "generate": ("generate", "generate", "Generate deterministic instance sets (same options and seed, same bytes)."),
    "import": ("imports", "import_", "Import public benchmark files (PATH: files or folders) into one instance .jsonl file."),
    "solve": ("solve", "solve", "Solve every instance in FILE exactly (CP-SAT, MIP, DP) and write verified solutions as JSONL."),
    "merge": ("solve", "merge", "Join `solve --shard I/N` outputs (SHARDS) of the instances in FILE; each instance exactly once."),
    "solvers": ("solve", "solvers", "The exact solvers `schedbench solve --solver` accepts."),
    "heuristics": ("heuristics", "heuristics", "Built-in heuristic rules."),
    "leaderboard": ("heuristics", "leaderboard", "Run every rule (and plug-in) on every instance of DATA and rank them against references."),
    "llm": ("llm", "llm", "Evaluate any OpenAI-compatible endpoint as a scheduling solver, scored by the exact verifier."),
    "report": ("report", "report", "Write an offline HTML report of RUN_DIRs of `llm eval`, LEADERBOARD_DIRs and DISCOVER_DIRs (PATHS) into a folder."),
    "view": ("report", "view", "Build the HTML report of PATHS into a cache folder and open it in the browser."),
    "discover": ("discover", "discover", "Evolve heuristics (plug-in rules) with any OpenAI-compatible LLM, scored on held-out references."),
    "demo": ("demo", "demo", "Generate, solve, rank and LLM-evaluate small datasets of all three problems; write a report folder."),
}  # fmt: skip


class _Group(click.Group):
    """The top-level group: loads a command's module on first use, and turns our errors and bad option
    values into one line, never a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(f"schedbench.cli.{module}"), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the summaries above, without importing any command module."""
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        rows = [
            (name, click.Command(name, help=COMMANDS[name][2]).get_short_help_str(limit))
            for name in sorted(COMMANDS)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        # here, not at the top: `schedbench --help` loads no schedbench module beyond this one
        from schedbench.datasets.workers import sigterm_as_sigint

        try:
            with sigterm_as_sigint():  # SIGTERM stops every command the way Ctrl-C does
                return super().invoke(ctx)
        except SchedbenchError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)
        except click.UsageError as err:
            if isinstance(err, _HELP_ONLY):
                raise
            message = err.format_message().rstrip(".") + "."
            where = f" See '{err.ctx.command_path} --help'." if err.ctx is not None else ""
            click.echo(f"error: {message}{where}", err=True)
            sys.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; results written so far are kept (re-run to resume)", err=True)
            sys.exit(130)
        except OSError as err:  # a full disk, a read-only or missing folder: the file and the reason
            where = f"{err.filename}: " if err.filename else ""
            click.echo(f"error: {where}{err.strerror or err}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="schedbench")
def main() -> None:
    """Benchmark scheduling heuristics, exact solvers and LLMs on RCPSP, SMTT and job shop."""
