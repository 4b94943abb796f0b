"""Global citation numbers: each key gets one number for the whole review, by first citation in nav order."""
from __future__ import annotations

from collections.abc import Container, Iterable


def assign_numbers(keys_in_reading_order: Iterable[str], known: Container[str]) -> dict[str, int]:
    """Number known keys 1, 2, 3... in order of first appearance; unknown keys get no number."""
    numbers: dict[str, int] = {}
    for key in keys_in_reading_order:
        if key in known and key not in numbers:
            numbers[key] = len(numbers) + 1
    return numbers


def compress(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted, de-duplicated runs: [1, 2, 3, 4, 7] -> [(1, 4), (7, 7)]; a run of two stays two items."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    out: list[tuple[int, int]] = []
    for start, end in runs:
        if end == start + 1:
            out += [(start, start), (end, end)]
        else:
            out.append((start, end))
    return out
