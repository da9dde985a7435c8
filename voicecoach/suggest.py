"""One "did you mean" for every message that names a choice: keys, voices, templates."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: a swap of neighbours counts as one edit."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(
                rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _score(word: str, option: str) -> tuple[int, float]:
    lowered, other = word.lower(), option.lower()
    return _edit_distance(lowered, other), -difflib.SequenceMatcher(None, lowered, other).ratio()


def closest(word: str, options: Sequence[str]) -> str | None:
    """The option a typo most likely meant, or None when nothing is close."""
    if not options:
        return None
    (distance, _), best = min((_score(word, o), o) for o in options)
    return best if distance <= max(1, len(word) // 2) else None


def close_ones(word: str, options: Sequence[str], count: int = 4) -> list[str]:
    """Up to `count` options near `word`, nearest first (for "close ones: ..." lists)."""
    scored = sorted((_score(word, o), o) for o in dict.fromkeys(options))
    return [o for (distance, _), o in scored if distance <= max(2, len(word) // 2)][:count]
