"""Moved: the report's data is `schedbench.llm_eval.tables`, its rendering `schedbench.reports.llm`.

A thin re-export of `make_report` for callers of 0.1's ``schedbench.llm_eval.report`` (the CLI until it
imports `schedbench.reports.llm`); it points up the layers, so it is to be deleted then.
"""

from schedbench.reports.llm import make_report

__all__ = ["make_report"]
