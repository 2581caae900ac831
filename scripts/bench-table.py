#!/usr/bin/env python3
"""Prints the scoring-cost table from criterion's estimates (run `cargo bench` first).

Usage: python3 scripts/bench-table.py [target/criterion]
Each row: group x size, median time, and for `episode` its ratio to `git_cli` and `floor`
measured in the same run.
"""
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join("target", "criterion")
SIZES = ["10", "100", "1000", "10000"]
GROUPS = [("prepare", ""), ("grade", "noop"), ("grade", "changed10"), ("episode", ""), ("git_cli", ""), ("floor", "")]


def median(group, label, size):
    parts = [root, group] + ([label] if label else []) + [size, "new", "estimates.json"]
    path = os.path.join(*parts)
    try:
        with open(path) as handle:
            return json.load(handle)["median"]["point_estimate"] / 1e6  # ms
    except (OSError, KeyError, ValueError):
        return None


def fmt(ms):
    if ms is None:
        return "-"
    return f"{ms:.2f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


print("| group | " + " | ".join(f"{size} files" for size in SIZES) + " |")
print("|---|" + "---|" * len(SIZES))
for group, label in GROUPS:
    name = f"{group}/{label}" if label else group
    print(f"| {name} | " + " | ".join(fmt(median(group, label, size)) for size in SIZES) + " |")

print()
print("| size | episode | git_cli | floor | git_cli / episode | episode / floor |")
print("|---|---|---|---|---|---|")
for size in SIZES:
    episode, git, floor = (median(group, "", size) for group in ("episode", "git_cli", "floor"))
    if episode is None:
        continue
    speedup = f"{git / episode:.1f}x" if git else "-"
    over_floor = f"{episode / floor:.1f}x" if floor else "-"
    print(f"| {size} | {fmt(episode)} | {fmt(git)} | {fmt(floor)} | {speedup} | {over_floor} |")
