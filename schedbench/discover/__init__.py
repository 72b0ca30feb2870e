"""Discovery: evolve plug-in rules with any OpenAI-compatible model, scored on held-out references.

- :mod:`~schedbench.discover.seeds`: the built-in rules as plug-in files (the seed population);
- :mod:`~schedbench.discover.candidate`: code extraction, static checks, the normalised AST hash, failure codes;
- :mod:`~schedbench.discover.scoring`: the train/val/test protocol and a candidate's metrics;
- :mod:`~schedbench.discover.prompts`: the versioned prompt template;
- :mod:`~schedbench.discover.loop`: the islands, operators, budgets, events, resume and the test.
"""

from schedbench.discover.loop import (
    DiscoverConfig,
    RunSummary,
    read_events,
    resume_discover,
    run_discover,
    run_test,
)

__all__ = ["DiscoverConfig", "RunSummary", "read_events", "resume_discover", "run_discover", "run_test"]
