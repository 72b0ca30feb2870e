"""Shared test helpers: instance builders, LLM run helpers, a hostile endpoint, repository paths.

`tests/` is on `sys.path` (pyproject's `pythonpath`), so every test imports them as `helpers.<module>`.
"""
