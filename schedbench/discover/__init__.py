"""Discovery: evolve plug-in rules with any OpenAI-compatible model, scored on held-out references.

- :mod:`~schedbench.discover.seeds`: the built-in rules as plug-in files (the seed population);
- :mod:`~schedbench.discover.candidate`: code extraction, static checks, the normalised AST hash, failure codes;
- :mod:`~schedbench.discover.scoring`: the train/val/test protocol and a candidate's metrics;
- :mod:`~schedbench.discover.prompts`: the versioned prompt template;
- :mod:`~schedbench.discover.config`: a run's configuration and its stop rules;
- :mod:`~schedbench.discover.journal`: the event log replayed on resume, content-addressed files;
- :mod:`~schedbench.discover.loop`: the islands, operators, budgets and resume;
- :mod:`~schedbench.discover.finish`: the one test of the pick, and the export.
"""

from schedbench.discover.config import DiscoverConfig, StopRules
from schedbench.discover.finish import run_test
from schedbench.discover.journal import read_events
from schedbench.discover.loop import RunSummary, resume_discover, run_discover

__all__ = [
    "DiscoverConfig",
    "RunSummary",
    "StopRules",
    "read_events",
    "resume_discover",
    "run_discover",
    "run_test",
]
