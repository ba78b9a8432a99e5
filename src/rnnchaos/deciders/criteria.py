"""The chaos criteria a batch decider answers, in one list, and the one check of a criteria list.
"""
from __future__ import annotations

from typing import Iterable

from ..errors import SpecError

CRITERIA = ("period_2", "period_3", "positive_entropy", "reference_test")


# ---------------------------------------------------------------- chunks
def check_criteria(criteria: Iterable[str]) -> tuple[str, ...]:
    if isinstance(criteria, str):
        criteria = [c for c in criteria.split(",") if c]
    out = tuple(criteria)
    if not out:
        raise SpecError("criteria", "name at least one criterion")
    for c in out:
        if c not in CRITERIA:
            raise SpecError("criteria", f"unknown criterion {c!r}; choose from {', '.join(CRITERIA)}")
    return out
