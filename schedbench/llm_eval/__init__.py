"""LLM evaluation: any OpenAI-compatible endpoint as a scheduling solver, scored by the exact verifier.

Modules: `prompts` (versioned templates), `client` (requests, retries), `parsing` (answer extraction),
`cache` (response cache), `runner` (resumable async runs, circuit breaker), `records` (samples.jsonl
writer, retry audit, run lock), `manifest`, `metrics`, `report`,
`baseline_server` (an offline OpenAI-compatible server answering from a heuristic).
"""
