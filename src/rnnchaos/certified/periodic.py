"""Three-valued, certified verdicts on the periods of a smooth scalar map (tanh, sigmoid,
alone or mixed with piecewise-linear units).

For each period p <= N the verdict is one of

* ``certified_yes``: a box P holding exactly one root r of h_p(x) = f^p(x) - x (proof in
  :mod:`rnnchaos.certified.roots`), and for every proper divisor d of p the enclosure
  of h_d over P excludes 0, so f^d(r) != r for every d < p dividing p; a d not dividing p
  cannot have f^d(r) = r either (the minimal period would divide gcd(d, p)).  So r has
  minimal period p.  For p = 3 the report also gives a Li-Yorke point a (a short decimal)
  with f^3(a) < a < f(a) < f^2(a) or f^3(a) > a > f(a) > f^2(a), strict in ball
  arithmetic (:func:`verify_smooth_certificate` re-checks it); by the Li-Yorke theorem
  (non-strict chain suffices) f then has period 3.
* ``certified_no``: on an interval J proven to hold every periodic orbit
  (:mod:`rnnchaos.certified.invariant`), every root of h_p is isolated in a box with a
  uniqueness proof and no box is left unresolved; each root box P is shown to hold a point
  of a smaller period: for some proper divisor d of p, h_d is strictly monotone on P and
  changes sign strictly across it, so h_d has a root in P, which is a root of h_p too and
  hence the unique one.  So no point of minimal period p exists on R.
* ``undecided`` with a reason ('tangency', 'precision', 'budget', 'unbounded') and the
  total width of the boxes left unresolved.

Shortcuts (each a theorem for continuous maps of R, all orbits lying in J):

* f strictly increasing on J (the derivative enclosure over J, on a subdivision, is
  positive): every periodic point is fixed (an orbit with f(x) > x increases forever).
* f strictly decreasing on J: f^2 is strictly increasing on Per(f), so every period is 1
  or 2.
* Sharkovsky: period p forces every period after it in 3 > 5 > 7 > ... > 6 > 10 > ... >
  4 > 2 > 1; so a certified period forces certified_yes of every weaker period, and a
  certified absence forces certified_no of every stronger one.  Such verdicts have
  ``via = 'sharkovsky'`` (no orbit box of their own).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from flint import arb, ctx

from ..errors import SpecError
from ..exact.periodic import is_power_of_two, sharkovsky_key, strongest_period
from .enclosures import BallMap, interval
from .invariant import SmoothInvariant, smooth_invariant
from .roots import MAX_BOXES, isolate, narrow, residual_at

YES, NO, UNDECIDED = "certified_yes", "certified_no", "undecided"
#: Largest period bound accepted (h_p is evaluated by p applications of f per box).
MAX_PERIOD = 64
PREC = 64
RETRY_PREC = 160
MONOTONE_PIECES = 32


@dataclass
class PeriodStatus:
    """Verdict on minimal period ``period``; ``via``: 'orbit', 'exhaustive', 'monotone',
    'sharkovsky', 'ivt' (a fixed point by the intermediate value theorem on J, no box);
    ``reason`` and ``unresolved_width`` for undecided ones."""

    period: int
    status: str
    via: str = ""
    reason: str = ""
    unresolved_width: float = 0.0
    roots: int = 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "via": self.via}
        if self.status == UNDECIDED:
            out["reason"] = self.reason
            out["unresolved_width"] = self.unresolved_width
        else:
            out["roots_of_f^p-x"] = self.roots if self.via in ("orbit", "exhaustive") else None
        return out


@dataclass
class SmoothOrbit:
    """A periodic orbit given by boxes [lo, hi] (doubles, outward), one per point, in orbit
    order from the box of the smallest point; the first box holds exactly one root of
    f^p(x) - x."""

    period: int
    boxes: list[tuple[float, float]]

    def to_json(self) -> dict[str, Any]:
        return {"period": self.period, "continuum": False,
                "points": [[_dec(lo, False), _dec(hi, True)] for lo, hi in self.boxes]}


@dataclass
class SmoothReport:
    """Certified verdicts for periods 1..max_period of a smooth scalar map."""

    max_period: int
    statuses: dict[int, PeriodStatus]
    orbits: list[SmoothOrbit]
    invariant: SmoothInvariant
    li_yorke_certificate: str | None
    prec: int = PREC
    notes: list[str] = field(default_factory=list)

    def status(self, p: int) -> str:
        return self.statuses[p].status

    def period_status_list(self) -> list[str]:
        """Statuses of periods 1, 2, ... in order."""
        return [self.statuses[p].status for p in sorted(self.statuses)]

    @property
    def periods(self) -> list[int]:
        """Periods certified present."""
        return sorted(p for p, s in self.statuses.items() if s.status == YES)

    @property
    def undecided_periods(self) -> list[int]:
        return sorted(p for p, s in self.statuses.items() if s.status == UNDECIDED)

    def _three(self, ps: Iterable[int]) -> bool | None:
        ps = list(ps)
        if any(self.status(p) == YES for p in ps):
            return True
        if all(self.status(p) == NO for p in ps):
            return False
        return None

    @property
    def period_3(self) -> bool | None:
        return self._three([3]) if self.max_period >= 3 else None

    @property
    def positive_entropy(self) -> bool | None:
        """A period <= max_period that is not a power of 2: True / False / None (undecided)."""
        ps = [p for p in self.statuses if not is_power_of_two(p)]
        return self._three(ps) if ps else False

    @property
    def sharkovsky_first(self) -> int | None:
        return strongest_period(self.periods)

    def to_json(self) -> dict[str, Any]:
        inv = self.invariant
        return {
            "method": "certified",
            "max_period": self.max_period,
            "periods": self.periods,
            "undecided_periods": self.undecided_periods,
            "period_status": {str(p): s.status for p, s in sorted(self.statuses.items())},
            "period_detail": {str(p): s.to_json() for p, s in sorted(self.statuses.items())},
            "period_3": self.period_3,
            "positive_entropy": self.positive_entropy,
            "li_yorke": self.period_3,
            "sharkovsky_first": self.sharkovsky_first,
            "li_yorke_certificate": self.li_yorke_certificate,
            "li_yorke_certificate_meaning": "decimal a with f^3(a) < a < f(a) < f^2(a) or the "
            "reverse chain, strict in ball arithmetic (rnnchaos.certified.verify_smooth_certificate)",
            "orbits": [o.to_json() for o in self.orbits],
            "invariant_interval": None if not inv.exists
            else [_dec(inv.lo, False), _dec(inv.hi, True)],
            "invariant_interval_info": {"forward_invariant": None, "reason": inv.reason or None},
            "pieces": None,
            "laps": None,
            "prec": self.prec,
            "notes": self.notes,
        }


def smooth_summary(rep: SmoothReport, title: str = "f") -> str:
    """Human-readable text of a :class:`SmoothReport` (what ``rnnchaos analyze`` prints)."""
    inv = rep.invariant
    lines = [f"{title}: certified periods <= {rep.max_period} (ball arithmetic, {rep.prec} bits)"]
    if inv.exists:
        lines.append(f"  every periodic orbit lies in J = [{_dec(inv.lo, False)}, {_dec(inv.hi, True)}]")
    else:
        lines.append(f"  no invariant interval: {inv.reason}")
    for p, s in rep.statuses.items():
        extra = f" ({s.via})" if s.status != UNDECIDED else \
            f" (reason: {s.reason}; unresolved width {s.unresolved_width:.3g})"
        lines.append(f"  period {p:>2}: {s.status}{extra}")
    for o in rep.orbits:
        pts = ", ".join(f"[{lo:.10g}, {hi:.10g}]" for lo, hi in o.boxes)
        lines.append(f"  orbit of period {o.period}: {pts}")
    tri = {True: "yes", False: "no", None: "undecided"}
    lines.append(f"  period 3 (Li-Yorke chaos): {tri[rep.period_3]}; positive entropy "
                 f"(a period <= {rep.max_period} not a power of 2): {tri[rep.positive_entropy]}")
    if rep.li_yorke_certificate is not None:
        lines.append(f"  Li-Yorke certificate a = {rep.li_yorke_certificate} "
                     "(f^3(a) < a < f(a) < f^2(a) or the reverse, strict in ball arithmetic)")
    lines.extend(f"  note: {n}" for n in rep.notes)
    return "\n".join(lines)


def _dec(x: float, up: bool) -> str:
    """A decimal string on the outer side of the double x (repr of the next double out:
    the decimal is within half an ulp of that double, so strictly beyond x)."""
    return repr(math.nextafter(x, math.inf if up else -math.inf))


def check_max_period(max_period) -> int:
    if isinstance(max_period, bool) or not isinstance(max_period, int):
        raise SpecError("max_period", f"expected an integer, got {max_period!r}")
    if not 1 <= max_period <= MAX_PERIOD:
        raise SpecError("max_period", f"must be in 1..{MAX_PERIOD}, got {max_period}")
    return max_period


# ---------------------------------------------------------------- monotonicity
def monotonicity(bm: BallMap, inv: SmoothInvariant, pieces: int = MONOTONE_PIECES) -> int:
    """+1 (strictly increasing on J), -1 (strictly decreasing) or 0 (not proven either).

    A float grid proposes the direction (a grid on which f is not monotone means no
    shortcut: nothing to prove); the proof is the derivative enclosure on every cell of an
    adaptive subdivision of J (at most ``pieces`` cells deep-split), all of one strict sign."""
    import numpy as np
    xs = np.linspace(inv.lo, inv.hi, 65)
    dy = np.diff(bm.net(xs))
    if (dy > 0).all():
        want = 1
    elif (dy < 0).all():
        want = -1
    else:
        return 0
    stack, cells = [(inv.lo, inv.hi)], 0
    while stack:
        u, v = stack.pop()
        cells += 1
        if cells > 2 * pieces:
            return 0
        _, d = bm.value_slope(interval(u, v))
        if (d > 0 and want > 0) or (d < 0 and want < 0):
            continue
        if (d < 0 and want > 0) or (d > 0 and want < 0):
            return 0
        c = u + (v - u) * 0.5
        if not u < c < v:
            return 0
        stack.extend([(c, v), (u, c)])
    return want


# ---------------------------------------------------------------- one period
@dataclass
class _PeriodResult:
    status: PeriodStatus
    orbit_roots: list[tuple[float, float]]  # root boxes of minimal period p


def classify_root(bm: BallMap, p: int, a: float, b: float) -> str:
    """'p' (minimal period p), 'lower' (a divisor period) or 'unknown', for the unique
    root of h_p in [a, b]."""
    divisors = [d for d in range(1, p) if p % d == 0]
    if not divisors:
        return "p"
    for attempt in range(3):
        excluded = 0
        for d in divisors:
            it = bm.iterate(interval(a, b), d)
            if not it.residual(d).contains(0):
                excluded += 1
                continue
            if not (it.slopes[d] - 1).contains(0):
                sa = residual_at(bm, d, a)
                sb = residual_at(bm, d, b)
                if (sa > 0 and sb < 0) or (sa < 0 and sb > 0):
                    return "lower"
        if excluded == len(divisors):
            return "p"
        a, b = narrow(bm, p, a, b, rel=2.0 ** (-20 - 15 * attempt), steps=80)
    return "unknown"


def _decide_period(bm: BallMap, inv: SmoothInvariant, p: int, max_boxes: int) -> _PeriodResult:
    roots, unresolved = isolate(bm, p, inv.lo, inv.hi, max_boxes=max_boxes)
    own, unknown = [], []
    for a, b in roots:
        kind = classify_root(bm, p, a, b)
        if kind == "p":
            own.append(narrow(bm, p, a, b, rel=2.0 ** -26, steps=30))  # for the report only
        elif kind == "unknown":
            unknown.append((a, b))
    if own:
        return _PeriodResult(PeriodStatus(p, YES, "orbit", roots=len(roots)), own)
    if p == 1 and residual_at(bm, 1, inv.lo) > 0 and residual_at(bm, 1, inv.hi) < 0:
        # a fixed point exists by the intermediate value theorem even when every root box
        # is left unresolved (a tangency such as tanh(x) = x at 0)
        return _PeriodResult(PeriodStatus(p, YES, "ivt", roots=len(roots)), [])
    if not unresolved and not unknown:
        return _PeriodResult(PeriodStatus(p, NO, "exhaustive", roots=len(roots)), [])
    reasons = sorted({u.reason for u in unresolved} | ({"precision"} if unknown else set()))
    width = sum(u.hi - u.lo for u in unresolved) + sum(b - a for a, b in unknown)
    return _PeriodResult(PeriodStatus(p, UNDECIDED, reason=",".join(reasons),
                                      unresolved_width=width, roots=len(roots)), [])


def _group_orbits(bm: BallMap, p: int, boxes: list[tuple[float, float]]) -> list[SmoothOrbit]:
    out, used = [], [False] * len(boxes)
    for i, (a, b) in enumerate(boxes):
        if used[i]:
            continue
        used[i] = True
        it = bm.iterate(interval(a, b), p - 1)
        imgs = [(a, b)] + [(_lo(v), _hi(v)) for v in it.values[1:]]
        for v in imgs[1:]:
            hits = [j for j, (c, d) in enumerate(boxes) if not (d < v[0] or c > v[1])]
            if len(hits) == 1:
                used[hits[0]] = True
        k = min(range(p), key=lambda j: imgs[j][0])
        out.append(SmoothOrbit(p, imgs[k:] + imgs[:k]))
    return out


def _lo(x: arb) -> float:
    from .invariant import outward_ball
    return outward_ball(x, False)


def _hi(x: arb) -> float:
    from .invariant import outward_ball
    return outward_ball(x, True)


# ---------------------------------------------------------------- Sharkovsky
def _propagate(statuses: dict[int, PeriodStatus]) -> None:
    """Fill undecided periods from certified ones by Sharkovsky's theorem."""
    for p, s in list(statuses.items()):
        if s.status == UNDECIDED:
            statuses[p] = settled_status(statuses, p) or s


# ---------------------------------------------------------------- main entry
def certified_orbits(net, max_period: int, *, periods: Iterable[int] | None = None,
                     max_boxes: int = MAX_BOXES, shortcuts: bool = False,
                     prec: int = PREC) -> SmoothReport:
    """Certified verdicts on minimal periods 1..max_period (or only ``periods``) of the
    scalar network ``net`` (any activations) on the whole real line.

    Periods are decided in the order 1, 2, 3, then the rest; a period whose absence
    Sharkovsky's theorem already implies is not searched (via 'sharkovsky').  With
    ``shortcuts`` (batches) a period whose presence it implies is not searched either;
    without, every period present gets its own orbit box, and Sharkovsky only fills in
    periods left undecided.

    >>> from rnnchaos.networks.model import ScalarRNN
    >>> f = ScalarRNN.from_dict({"layers": [{"weight": [[0.5]], "bias": [0.2],
    ...     "activation": "tanh"}]})
    >>> rep = certified_orbits(f, 3); rep.period_status_list()
    ['certified_yes', 'certified_no', 'certified_no']
    """
    check_max_period(max_period)
    wanted = sorted(set(periods)) if periods is not None else list(range(1, max_period + 1))
    with ctx.workprec(prec):
        bm = BallMap(net)
        inv = smooth_invariant(bm)
        statuses: dict[int, PeriodStatus] = {}
        orbits: list[SmoothOrbit] = []
        notes: list[str] = []
        if not inv.exists:
            for p in wanted:
                statuses[p] = PeriodStatus(p, UNDECIDED, reason="unbounded",
                                           unresolved_width=math.inf)
            return SmoothReport(max_period, statuses, [], inv, None, prec, [inv.reason])
        mono = monotonicity(bm, inv)
        if mono:
            notes.append(f"f is strictly {'increasing' if mono > 0 else 'decreasing'} on J: "
                         f"every period is {'1' if mono > 0 else '1 or 2'}")
        # 1 and 2 first: without period 2 no period >= 2 exists (Sharkovsky), the common case
        order = sorted(wanted, key=lambda p: (p not in (1, 2, 3), p != 1, p != 2, p))
        for p in order:
            if p > 2 or (p == 2 and mono > 0):
                if mono:
                    statuses[p] = PeriodStatus(p, NO, "monotone")
                    continue
            settled = settled_status(statuses, p)
            # absences always propagate (a proof is a proof); presences only with shortcuts,
            # so that without them every period present gets an orbit box of its own
            if settled is not None and (shortcuts or settled.status == NO):
                statuses[p] = settled
                continue
            res = _decide_period(bm, inv, p, max_boxes)
            if res.status.status == UNDECIDED and prec < RETRY_PREC:
                with ctx.workprec(RETRY_PREC):
                    res = _decide_period(BallMap(net), inv, p, 4 * max_boxes)
            statuses[p] = res.status
            if res.orbit_roots:
                orbits.extend(_group_orbits(bm, p, res.orbit_roots))
        _propagate(statuses)
        cert = None
        if 3 in statuses and statuses[3].status == YES:
            cert = _li_yorke_point(bm, [o for o in orbits if o.period == 3])
    return SmoothReport(max_period, {p: statuses[p] for p in sorted(statuses)}, orbits, inv,
                        cert, prec, notes)


def settled_status(statuses: dict[int, PeriodStatus], p: int) -> PeriodStatus | None:
    """Period p's status forced by Sharkovsky's theorem from the certified ones (a yes of a
    stronger period, a no of a weaker one), or None.  (Both cannot hold: that would force a
    certified-absent period.)"""
    for q, s in statuses.items():
        if s.status == YES and sharkovsky_key(q) < sharkovsky_key(p):
            return PeriodStatus(p, YES, "sharkovsky")
        if s.status == NO and sharkovsky_key(p) < sharkovsky_key(q):
            return PeriodStatus(p, NO, "sharkovsky")
    return None


# ---------------------------------------------------------------- Li-Yorke
def _chain_holds(orbit: list[arb]) -> bool:
    a, b, c, d = orbit
    return bool((d < a and a < b and b < c) or (d > a and a > b and b > c))


def verify_smooth_certificate(net, a: str, prec: int = 256) -> bool:
    """Check a Li-Yorke point: f^3(a) < a < f(a) < f^2(a) or f^3(a) > a > f(a) > f^2(a),
    strictly, in ball arithmetic at ``prec`` bits, with ``a`` read as a decimal (a ball
    containing it).  True proves that f has a point of period 3.

    >>> from rnnchaos.networks.model import ScalarRNN
    >>> f = ScalarRNN.from_dict({"layers": [{"weight": [[0.5]], "bias": [0.2],
    ...     "activation": "tanh"}]})
    >>> verify_smooth_certificate(f, "0.1")
    False
    """
    with ctx.workprec(prec):
        x = arb(str(a))
        return _chain_holds(BallMap(net).orbit(x, 3))


def _li_yorke_point(bm: BallMap, orbits: list[SmoothOrbit]) -> str | None:
    for o in orbits:
        for lo, hi in o.boxes:
            for e in (lo, hi, 0.5 * (lo + hi)):
                for digits in (4, 6, 8, 10, 12, 14, 16, 17):
                    s = f"{e:.{digits}g}"
                    if _chain_holds(bm.orbit(arb(s), 3)):
                        return s
    return None


__all__ = ["YES", "NO", "UNDECIDED", "PeriodStatus", "smooth_summary", "SmoothOrbit", "SmoothReport",
           "certified_orbits", "verify_smooth_certificate", "monotonicity", "check_max_period"]
