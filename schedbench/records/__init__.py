"""Typed, versioned records that runs write, with their JSON schemas in ``records/schemas/``."""

from schedbench.records.leaderboard import (
    LEADERBOARD_RECORD,
    Leaderboard,
    LeaderboardRecord,
    PluginInfo,
    read_leaderboard,
)

__all__ = [
    "LEADERBOARD_RECORD",
    "Leaderboard",
    "LeaderboardRecord",
    "PluginInfo",
    "read_leaderboard",
]
