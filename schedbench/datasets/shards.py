"""Shards for plain job arrays: ``--shard I/N`` takes every N-th instance, and a merge checks the shard
outputs cover the dataset exactly once. Nothing to install: each array task runs its own local pool and
writes its own file (never one file appended by many nodes over NFS)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TypeVar

from schedbench.problems import SchedbenchError

T = TypeVar("T")

__all__ = ["check_cover", "check_shard_numbers", "parse_shard", "select_shard"]


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` (1 <= I <= N) -> ``(I, N)``; a one-line error otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise SchedbenchError(f"--shard must look like I/N (e.g. 2/5), not {text!r}")
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise SchedbenchError(f"--shard {text}: shards are numbered 1 to N (N >= 1)")
    return index, count


def select_shard(items: Sequence[T], shard: tuple[int, int] | None) -> list[T]:
    """The items of shard ``(I, N)``: positions I-1, I-1+N, I-1+2N, ... (all of them for None)."""
    if shard is None:
        return list(items)
    index, count = shard
    return list(items[index - 1 :: count])


def check_cover(names: Sequence[str], found: Mapping[str, Sequence[str]]) -> None:
    """Refuse unless every name of ``names`` is in exactly one of the ``found`` lists (source -> names)
    and no list holds a name outside ``names``."""
    wanted = set(names)
    owner: dict[str, str] = {}
    for source, listed in found.items():
        for name in dict.fromkeys(listed):
            if name not in wanted:
                raise SchedbenchError(f"instance {name!r} is not in the dataset", source=source)
            if name in owner:
                raise SchedbenchError(
                    f"instance {name!r} is in two shards ({owner[name]} and {source}): overlapping shards",
                    source=source,
                )
            owner[name] = source
    missing = [n for n in names if n not in owner]
    if missing:
        shown = ", ".join(repr(n) for n in missing[:3]) + (" ..." if len(missing) > 3 else "")
        raise SchedbenchError(
            f"{len(missing)} of {len(names)} instances are in no shard ({shown}): a shard is missing or unfinished"
        )


def check_shard_numbers(labels: Sequence[tuple[str, str | None]]) -> None:
    """Refuse shard labels ((source, ``"I/N"``), None where a source does not say) that give a shard
    twice or split the data differently; when every source says, each of 1/N .. N/N must be there."""
    numbers: dict[tuple[int, int], str] = {}
    for source, text in labels:
        if text is None:
            continue
        number = parse_shard(text)
        if number in numbers:
            raise SchedbenchError(
                f"shard {text} given twice ({numbers[number]} and {source}): overlapping shards",
                source=source,
            )
        numbers[number] = source
    counts = {n for _, n in numbers}
    if len(counts) > 1:
        raise SchedbenchError(
            f"the shards split the data differently: {', '.join(f'/{n}' for n in sorted(counts))}"
        )
    if counts and len(numbers) == len(labels):
        (count,) = counts
        missing = [f"{i}/{count}" for i in range(1, count + 1) if (i, count) not in numbers]
        if missing:
            raise SchedbenchError(f"shard {', '.join(missing)} missing: give every shard's output")
