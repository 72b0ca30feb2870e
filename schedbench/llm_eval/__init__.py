"""LLM evaluation: any OpenAI-compatible endpoint as a scheduling solver, scored by the exact verifier.

Modules, lowest first: `config` (`EvalConfig`, the run folder's `RunFiles`), `prompts` (versioned
templates), `dataset` (instances prepared with labels and references), `client` (requests, retries),
`parsing` (answer extraction), `scorer` (a reply -> parsed, verified, gaps), `cache` (response cache),
`records` (samples.jsonl writer, retry audit, run lock, `read_run`), `manifest`, `breaker` (circuit
breaker and concurrency), `runner` (the resumable async run), `metrics` and `tables` (the report's
numbers; rendering is `schedbench.reports.llm`), `baseline_server` (an offline OpenAI-compatible server
answering from a heuristic). Records are `schedbench.records.SampleRecord`.
"""
