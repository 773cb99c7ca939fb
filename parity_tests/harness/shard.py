"""Splitting the matrix over machines, and joining the pieces.

``select_shard`` keeps the runs of shard K of N. A run belongs to shard
``1 + crc32("layer|case|dtype|mode") % N``: the split depends on the run alone (not on the
order, the filters or the machine), so N machines given the same filters run each run
exactly once. ``merge`` joins the reports they wrote (their JSON files) into one.
"""
from __future__ import annotations

import time
import zlib
from typing import Any

from .report import SCHEMA_VERSION, from_json
from .results import CaseResult, RunKey
from .sources import STALE_WHEN

# Header fields that must agree between shards: the same code, seed and libraries.
MUST_AGREE = ("schema_version", "seed", "python", "numpy", "torch")


class MergeError(Exception):
    """The files cannot be merged into one report (the message says why)."""


def parse_shard(text: str) -> tuple[int, int]:
    """'K/N' -> (K, N) with 1 <= K <= N; raises ValueError otherwise."""
    k, sep, n = text.partition("/")
    if not sep or not k.strip().isdigit() or not n.strip().isdigit() \
            or not 1 <= int(k) <= int(n):
        raise ValueError(f"--shard takes K/N with 1 <= K <= N (e.g. 2/3), got {text!r}")
    return int(k), int(n)


def shard_of(key: RunKey, n: int) -> int:
    """The shard (1..n) that runs ``key``."""
    return 1 + zlib.crc32("|".join(key).encode()) % n


def select_shard(runs: list[RunKey], k: int, n: int) -> list[RunKey]:
    """The runs of shard ``k`` of ``n``, in their given order."""
    return [r for r in runs if shard_of(r, n) == k]


def _code(header: dict[str, Any]) -> dict[str, Any]:
    src = header.get("sources") or {}
    return {p: (src.get(p) or {}).get("tree") for p in STALE_WHEN}


def merge(reports: list[tuple[str, dict[str, Any]]], command: str
          ) -> tuple[list[CaseResult], dict[str, Any]]:
    """(results, header) of the reports ``[(file name, loaded JSON)]`` joined; the header's
    ``complete`` says whether every shard 1..N is there and complete."""
    if not reports:
        raise MergeError("no report to merge")
    first_name, first = reports[0]
    head0 = first["header"]
    results: dict[RunKey, CaseResult] = {}
    shards, seen = [], set()
    for name, data in reports:
        head = data["header"]
        if head.get("schema_version") != SCHEMA_VERSION:
            raise MergeError(f"{name} has schema_version {head.get('schema_version')!r}; "
                             f"merge reads {SCHEMA_VERSION}")
        for k in MUST_AGREE:
            if head.get(k) != head0.get(k):
                raise MergeError(f"{name} and {first_name} differ in {k}: {head.get(k)!r} vs "
                                 f"{head0.get(k)!r}")
        if _code(head) != _code(head0):
            raise MergeError(f"{name} and {first_name} were made from different code "
                             f"({', '.join(STALE_WHEN)} differ)")
        for res in from_json(data):
            if res.key in results:
                raise MergeError(f"run {res.label} is in more than one file ({name})")
            results[res.key] = res
        shards.append({"file": name, "shard": head.get("shard"), "created": head.get("created"),
                       "cpu": head.get("cpu"), "workers": head.get("workers"),
                       "seconds": head.get("seconds"), "complete": bool(head.get("complete"))})
        seen.add(head.get("shard"))
    if None in seen and len(seen) > 1:
        raise MergeError("the files mix shards (--shard K/N) with whole reports")
    counts = {s.partition("/")[2] for s in seen if s}
    if len(counts) > 1:
        raise MergeError(f"the files come from different splits (N = {', '.join(sorted(counts))})")
    n = int(counts.pop()) if counts else 0
    missing = [f"{k}/{n}" for k in range(1, n + 1) if f"{k}/{n}" not in seen]
    complete = all(s["complete"] for s in shards) and not missing
    header = {**head0, "command": command, "shard": None, "shards": shards,
              "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "seconds": max((s["seconds"] or 0 for s in shards), default=0),
              "missing_shards": missing, "complete": complete}
    return [results[k] for k in sorted(results)], header
