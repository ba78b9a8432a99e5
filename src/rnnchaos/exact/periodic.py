"""Periodic points of scalar PL maps, exact, over the whole real line.

x has minimal period p when f^p(x) = x and f^j(x) != x for 0 < j < p.  The
points of period dividing n are Fix(f^n), computed exactly from the exact
iterate f^n (restricted to an interval that provably holds every periodic
orbit, see :mod:`rnnchaos.exact.invariant`).  Points of minimal period n are Fix(f^n)
minus Fix(f^d) for the proper divisors d of n; whole intervals of them
(continua) are kept as intervals.

Li-Yorke: a point a with f^3(a) <= a < f(a) < f^2(a) (or the reverse chain)
exists exactly when f has a period-3 orbit; it certifies Li-Yorke chaos and
anyone can check it with :func:`verify_certificate`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

from flint import fmpq

from .._lib.validation import check_int
from ..errors import ResourceLimitError, SpecError
from .invariant import InvariantInterval, invariant_interval
from .pl import PiecewiseLinear, q, rational_str

#: Largest period bound accepted: f^N is computed exactly, and its size can
#: grow like (number of laps)^N, so larger bounds are refused up front.
MAX_PERIOD = 64
#: Default limit on the linear pieces of one iterate (about 100 bytes each).
MAX_PIECES = 4_000_000


# ---------------------------------------------------------------- Sharkovsky
def sharkovsky_key(p: int) -> tuple:
    """Sort key of the Sharkovsky order, strongest first: 3, 5, 7, ..., 6, 10, ..., 4, 2, 1.

    >>> sorted([1, 2, 3, 4, 6, 5], key=sharkovsky_key)
    [3, 5, 6, 4, 2, 1]
    """
    if p < 1:
        raise ValueError(f"period must be >= 1, got {p}")
    k = (p & -p).bit_length() - 1  # p = 2^k * odd
    odd = p >> k
    return (1, -k) if odd == 1 else (0, k, odd)


def strongest_period(periods) -> int | None:
    """The Sharkovsky-strongest of ``periods`` (the one forcing all the others), None if empty.

    >>> strongest_period([1, 2, 4, 6]), strongest_period([])
    (6, None)
    """
    periods = list(periods)
    return min(periods, key=sharkovsky_key) if periods else None


def is_power_of_two(p: int) -> bool:
    return p >= 1 and p & (p - 1) == 0


def weakest_non_power_of_two(n: int) -> int:
    """p*: the non-power of 2 <= n (n >= 3) that every other non-power of 2 <= n forces in
    Sharkovsky's order, so f has a period <= n that is not a power of 2 iff f has period p*.

    p* = 2^K·m with K maximal such that 2^K·3 <= n, then m the largest odd number with
    2^K·m <= n (proof in :mod:`rnnchaos.deciders.verdicts`).

    >>> [weakest_non_power_of_two(n) for n in (3, 4, 5, 6, 9, 10, 12, 20, 24, 64)]
    [3, 3, 5, 6, 6, 10, 12, 20, 24, 48]
    """
    k = 0
    while (2 ** (k + 1)) * 3 <= n:
        k += 1
    m = n // (2 ** k)
    if m % 2 == 0:
        m -= 1
    return (2 ** k) * m


# ---------------------------------------------------------------- sets of reals
@dataclass(frozen=True)
class Component:
    """An interval of periodic points; None ends are infinite, *_open ends excluded."""

    lo: fmpq | None
    hi: fmpq | None
    lo_open: bool = False
    hi_open: bool = False

    def contains(self, x: fmpq) -> bool:
        if self.lo is not None and (x < self.lo or (self.lo_open and x == self.lo)):
            return False
        if self.hi is not None and (x > self.hi or (self.hi_open and x == self.hi)):
            return False
        return True

    def interior_point(self) -> fmpq:
        lo, hi = self.lo, self.hi
        if lo is None and hi is None:
            return fmpq(0)
        if lo is None:
            return hi - 1
        if hi is None:
            return lo + 1
        return (lo + hi) / 2

    def to_json(self) -> list[str]:
        return [rational_str(self.lo, "-inf"), rational_str(self.hi, "inf")]


def _subtract(comp: Component, removed: list[tuple]) -> list[Component]:
    """comp minus a union of closed intervals (lo, hi) (None = infinite)."""
    parts = [comp]
    for rlo, rhi in removed:
        nxt = []
        for c in parts:
            # left remainder: c ∩ (-inf, rlo)
            if rlo is not None and (c.lo is None or c.lo < rlo):
                hi, hi_open = (rlo, True) if c.hi is None or c.hi >= rlo else (c.hi, c.hi_open)
                nxt.append(Component(c.lo, hi, c.lo_open, hi_open))
            # right remainder: c ∩ (rhi, inf)
            if rhi is not None and (c.hi is None or c.hi > rhi):
                lo, lo_open = (rhi, True) if c.lo is None or c.lo <= rhi else (c.lo, c.lo_open)
                nxt.append(Component(lo, c.hi, lo_open, c.hi_open))
        parts = nxt
    return [c for c in parts if c.lo is None or c.hi is None or c.lo < c.hi]


# ---------------------------------------------------------------- results
@dataclass
class Orbit:
    """A periodic orbit: ``points`` in orbit order from its smallest point, or,
    for a continuum, ``components`` (intervals mapped cyclically onto each other)."""

    period: int
    points: list[fmpq] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)

    @property
    def is_continuum(self) -> bool:
        return bool(self.components)

    def to_json(self) -> dict[str, Any]:
        if self.components:
            return {"period": self.period, "continuum": True,
                    "points": [c.to_json() for c in self.components],
                    "open_ends": [[c.lo_open, c.hi_open] for c in self.components]}
        return {"period": self.period, "continuum": False, "points": [str(x) for x in self.points]}


@dataclass
class PeriodicReport:
    """All periodic orbits of minimal period <= max_period, found exactly on R."""

    max_period: int
    orbits: list[Orbit]
    invariant: InvariantInterval
    pieces: int
    laps: int
    li_yorke_certificate: fmpq | None

    @property
    def periods(self) -> list[int]:
        return sorted({o.period for o in self.orbits})

    @property
    def period_3(self) -> bool:
        return 3 in self.periods

    @property
    def positive_entropy(self) -> bool:
        """A period that is not a power of 2 is present (Sharkovsky/Misiurewicz)."""
        return any(not is_power_of_two(p) for p in self.periods)

    @property
    def sharkovsky_first(self) -> int | None:
        """The strongest period found, in the Sharkovsky order."""
        return strongest_period(self.periods)

    def to_json(self) -> dict[str, Any]:
        inv = self.invariant
        return {
            "max_period": self.max_period,
            "periods": self.periods,
            "period_3": self.period_3,
            "positive_entropy": self.positive_entropy,
            "li_yorke": self.period_3,
            "sharkovsky_first": self.sharkovsky_first,
            "li_yorke_certificate": None if self.li_yorke_certificate is None
            else str(self.li_yorke_certificate),
            "orbits": [o.to_json() for o in self.orbits],
            "invariant_interval": [str(inv.lo), str(inv.hi)] if inv.exists else None,
            "invariant_interval_info": {"forward_invariant": inv.forward_invariant,
                                        "reason": inv.reason or None},
            "pieces": self.pieces,
            "laps": self.laps,
        }


# ---------------------------------------------------------------- main entry
def as_pl(f) -> PiecewiseLinear:
    """A PiecewiseLinear from a ScalarRNN (or the PL map itself)."""
    return f if isinstance(f, PiecewiseLinear) else PiecewiseLinear.from_network(f)


def check_max_period(max_period) -> int:
    max_period = check_int(max_period, "max_period", 1)
    if max_period > MAX_PERIOD:
        raise SpecError("max_period", f"{max_period} exceeds the limit {MAX_PERIOD}: f^N is "
                        "computed exactly and its size grows exponentially with N")
    return max_period


def periodic_orbits(f, max_period: int, *, max_pieces: int = MAX_PIECES) -> PeriodicReport:
    """Every periodic orbit of minimal period p <= max_period of f on the whole line.

    ``f`` is a :class:`~rnnchaos.networks.model.ScalarRNN` with piecewise-linear
    activations or a :class:`~rnnchaos.exact.pl.PiecewiseLinear`.  Exact: points are
    rationals; continua are intervals.

    >>> from rnnchaos.exact.pl import PiecewiseLinear
    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> rep = periodic_orbits(tent, 3)
    >>> rep.periods, [[str(x) for x in o.points] for o in rep.orbits if o.period == 3]
    ([1, 2, 3], [['2/9', '4/9', '8/9'], ['2/7', '4/7', '6/7']])
    """
    check_max_period(max_period)
    f = as_pl(f)
    inv = invariant_interval(f)
    g = f
    if inv.exists:
        clip = PiecewiseLinear.clip(inv.lo, inv.hi)
        g = clip.compose(f.compose(clip))
    fixed: list[list[tuple]] = [[]]  # fixed[n] = Fix(g^n)
    orbits: list[Orbit] = []
    try:
        for n, gn in zip(range(1, max_period + 1), g.iterates(max_pieces)):
            fix_n = gn.fixed_point_set()
            fixed.append(fix_n)
            orbits.extend(_orbits_of_period(f, n, fix_n, fixed))
    except ResourceLimitError as exc:
        raise ResourceLimitError(f"max_period {max_period}: f^{exc.n} {exc}; lower the "
                                 "period bound or raise max_pieces") from None
    cert = li_yorke_certificate_from(f, orbits)
    return PeriodicReport(max_period, orbits, inv, f.num_pieces(), f.num_laps(), cert)


def _orbits_of_period(f: PiecewiseLinear, n: int, fix_n, fixed) -> list[Orbit]:
    points, comps = [], []
    divisors = [d for d in range(1, n) if n % d == 0]
    for lo, hi in fix_n:
        if lo is not None and lo == hi:
            if minimal_period(f, lo, n) == n:
                points.append(lo)
        else:
            removed = [iv for d in divisors for iv in fixed[d]]
            comps.extend(_subtract(Component(lo, hi), removed))
    out = []
    seen: set = set()
    for x in points:
        if x in seen:
            continue
        orbit = [x]
        for _ in range(n - 1):
            orbit.append(f(orbit[-1]))
        seen.update(orbit)
        k = orbit.index(min(orbit))
        out.append(Orbit(n, points=orbit[k:] + orbit[:k]))
    used = [False] * len(comps)
    for i, c in enumerate(comps):
        if used[i]:
            continue
        cycle, x = [], c.interior_point()
        for _ in range(n):
            j = next((j for j, d in enumerate(comps) if d.contains(x)), None)
            if j is None or used[j]:
                break
            used[j] = True
            cycle.append(comps[j])
            x = f(x)
        out.append(Orbit(n, components=cycle))
    return out


def minimal_period(f: Callable[[Any], Any], x, n: int) -> int | None:
    """Smallest p in 1..n with f^p(x) = x, or None; ``f`` is any exact map (a
    :class:`PiecewiseLinear`, or an independent rational evaluator when re-checking)."""
    y = x
    for p in range(1, n + 1):
        y = f(y)
        if y == x:
            return p
    return None


# ---------------------------------------------------------------- Li-Yorke
def li_yorke_certificate_from(f: PiecewiseLinear, orbits: list[Orbit]) -> fmpq | None:
    """A point a of a period-3 orbit with f^3(a) <= a < f(a) < f^2(a) or the reverse chain."""
    for o in orbits:
        if o.period != 3:
            continue
        x0 = o.points[0] if o.points else o.components[0].interior_point()
        pts = [x0, f(x0), f(f(x0))]
        lo = min(pts)
        a = lo if f(lo) < f(f(lo)) else max(pts)
        return a
    return None


def _chain(a, b, c, d) -> bool:
    """a = x, b = f(x), c = f^2(x), d = f^3(x): either Li-Yorke chain holds."""
    return (d <= a < b < c) or (d >= a > b > c)


def verify_certificate(f, a) -> bool:
    """Check a Li-Yorke certificate exactly: f^3(a) <= a < f(a) < f^2(a), or the reverse.

    ``f`` is a ScalarRNN (evaluated layer by layer in exact rationals,
    independently of the PL engine) or a PiecewiseLinear; ``a`` is a rational
    given as 'p/q', Fraction, int, float or fmpq.

    >>> from rnnchaos.exact.pl import PiecewiseLinear
    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> verify_certificate(tent, "2/7"), verify_certificate(tent, "1/3")
    (True, False)
    """
    if isinstance(f, PiecewiseLinear):
        x = q(a)
        step = f
    else:
        x = Fraction(str(a)) if isinstance(a, (str, fmpq)) else Fraction(a)
        step = f.exact
    xs = [x]
    for _ in range(3):
        xs.append(step(xs[-1]))
    return _chain(*xs)


__all__ = ["MAX_PERIOD", "MAX_PIECES", "Component", "Orbit", "PeriodicReport", "periodic_orbits",
           "verify_certificate", "sharkovsky_key", "strongest_period", "minimal_period",
           "is_power_of_two"]
