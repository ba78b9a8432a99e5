"""The chaos criteria a batch decider answers, in one list, and the one check of a criteria list.

:func:`check_criteria` is the only place a criteria list is interpreted: every entry point
(``estimate``, sweeps, the CLI, ``reproduce``) passes what the user gave through it.  Rule:
a comma-separated string or an iterable of names; each name is stripped of surrounding
whitespace; empty names are dropped; an unknown name is refused (SpecError naming it);
a repeated name counts once (the first occurrence fixes the order).  Deduplication matters:
counts are summed per name, so a repeated criterion would otherwise be counted twice.
"""
from __future__ import annotations

from typing import Iterable

from ..errors import SpecError

CRITERIA = ("period_2", "period_3", "positive_entropy", "reference_test")


def check_criteria(criteria: Iterable[str]) -> tuple[str, ...]:
    """The criteria named by ``criteria``, stripped, validated and deduplicated in order.

    >>> check_criteria(" period_3, period_2 ,period_3")
    ('period_3', 'period_2')
    """
    if isinstance(criteria, str):
        criteria = criteria.split(",")
    try:
        names = [str(c).strip() if isinstance(c, str) else c for c in criteria]
    except TypeError:
        raise SpecError("criteria", f"expected a list of names, got {criteria!r}") from None
    unique: dict[str, None] = {}
    for name in names:
        if not isinstance(name, str):
            raise SpecError("criteria", f"expected criterion names, got {name!r}")
        if not name:
            continue
        if name not in CRITERIA:
            raise SpecError("criteria", f"unknown criterion {name!r}; choose from {', '.join(CRITERIA)}")
        unique.setdefault(name, None)
    if not unique:
        raise SpecError("criteria", "name at least one criterion")
    return tuple(unique)


def check_entropy_max_period(n) -> int:
    """The bound N of ``positive_entropy`` (a non-power-of-2 period <= N): an integer in
    3 .. ``exact.periodic.MAX_PERIOD`` (below 3 no such period exists; above, f^N is too big).

    >>> check_entropy_max_period(6)
    6
    """
    from numbers import Integral

    from ..exact.periodic import MAX_PERIOD
    if isinstance(n, bool) or not isinstance(n, Integral):
        raise SpecError("entropy_max_period", f"expected an integer, got {n!r}")
    if not 3 <= n <= MAX_PERIOD:
        raise SpecError("entropy_max_period", f"must be in [3, {MAX_PERIOD}], got {n}")
    return int(n)
