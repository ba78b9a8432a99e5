"""Topological entropy of scalar piecewise-linear maps, with rigorous two-sided bounds.

What is bounded
---------------
Let ``I = [lo, hi]`` be the interval of :func:`rnnchaos.exact.invariant.invariant_interval`
(it holds every periodic point of ``f``) and ``Lambda_I = {x in I : f^k(x) in I for
all k >= 0}``, the largest subset of ``I`` that ``f`` maps into itself (compact).
The reported quantity is

    h = h_top(f restricted to Lambda_I)       (natural log, nats per iteration),

which is ``h_top(f|I)`` when ``f(I) <= I`` (``forward_invariant``).  Every
periodic orbit lies in ``Lambda_I``.

The clipped map.  All bounds are computed for ``g = clip_I o f`` on ``I``, a
continuous map ``I -> I`` (built as ``clip_I o f o clip_I``).

**Lemma (clipping does not change the entropy).**  ``h_top(g|I) = h``.
*Proof.*  ``g = f`` on ``Lambda_I`` and ``Lambda_I`` is compact and
``g``-invariant, so ``h <= h_top(g|I)``.  Conversely, by the variational
principle it suffices to bound ``h_mu(g)`` for ergodic ``g``-invariant ``mu``.
Let ``P = {x in I : f(x) not in I}``; ``g`` maps ``P`` to ``{lo, hi}``.  If
``mu(P) > 0`` then ``mu({lo, hi}) = mu(g^-1{lo, hi}) >= mu(P) > 0``: an ergodic
measure with an atom sits on one periodic orbit and has entropy 0.  If
``mu(P) = 0`` then ``mu``-almost every orbit never meets ``P``, so it stays in
``I`` with ``g = f`` along it: ``mu(Lambda_I) = 1``, ``mu`` is ``f``-invariant and
``h_mu(g) = h_mu(f|Lambda_I) <= h``.  (For ``Lambda_I`` empty, ``h = 0``.)  QED

Upper bounds.  ``l(g^n)`` is the number of laps (maximal intervals of weak
monotonicity) of ``g^n`` on ``I``, counted exactly.  Laps are submultiplicative,
``l(u o v) <= l(u) l(v)`` for piecewise-monotone ``u, v: I -> I`` (each lap of
``v`` is mapped onto an interval that meets at most ``l(u)`` laps of ``u``), so
by Fekete and Misiurewicz-Szlenk ``h = lim (1/n) log l(g^n) = inf_n (1/n) log
l(g^n)``: every ``n`` gives the upper bound ``(1/n) log l(g^n)``; we report the
smallest, chosen by exact integer comparison ``l_a^b`` vs ``l_b^a``.

Lower bounds, two rigorous methods, each with a checkable witness
(:func:`verify_lower_certificate`):

* ``covering`` (horseshoes).  Let ``K_1 < ... < K_m`` be the laps of ``g^n`` on
  ``I`` (closed intervals with pairwise disjoint interiors) and ``A`` the 0-1
  matrix with ``A_ij = 1`` when ``g^n(K_i) >= K_j``.  **Theorem** (covering
  graphs; Misiurewicz-Szlenk 1980, Alseda-Llibre-Misiurewicz, *Combinatorial
  Dynamics and Entropy in Dimension One*, sections 4.2-4.3): ``h(g^n) >= log
  rho(A)``.  The special case of ``s`` intervals each covering all ``s``
  (``A`` all ones, an ``s``-horseshoe) gives ``h(g^n) >= log s``.  (Sketch:
  for a vertex ``i`` of an irreducible class, the ``(A^k)_ii`` loops of length
  ``k`` give as many closed subintervals of ``K_i`` with pairwise disjoint
  interiors, each mapped by ``g^(nk)`` onto ``K_i``: an ``(A^k)_ii``-horseshoe,
  and ``(1/k) log (A^k)_ii -> log rho``.)  Then ``h = h(g^n)/n >= (1/n) log r``
  for any rational ``r`` with ``A_C x >= r x`` for a positive vector ``x`` on a
  set ``C`` of laps (Collatz-Wielandt: ``rho(A) >= rho(A_C) >= r``).  We take
  ``x`` from a floating-point Perron vector, rounded to integers, and check the
  inequality exactly; the witness lists ``K_i``, for each ``K_i`` a point where
  ``g^n`` is smallest and one where it is largest (so ``g^n(K_i) >= K_j`` follows
  from two exact evaluations and the intermediate value theorem), and ``x``.
* ``periodic_orbit`` (Sharkovsky strength).  **Theorem** (Block, Guckenheimer,
  Misiurewicz, Young 1980): a continuous interval map with a periodic point of
  minimal period ``2^k m``, ``m > 1`` odd, has entropy ``>= 2^-k log lambda_m``,
  ``lambda_m`` the largest root of ``x^m - 2 x^(m-2) - 1`` (``lambda_3`` is the
  golden ratio).  Periods up to ``max_iter`` are read off ``Fix(g^n)`` exactly;
  the witness is the rational periodic point.

Logs are evaluated in ball arithmetic (``flint.arb``) and rounded outward to
doubles: ``lower`` is rounded down, ``upper`` up.  A map whose only periods are
powers of 2 has entropy 0, and every bound here is a theorem, so its lower
bound is 0.  Note that a bound equal to ``log((1+sqrt 5)/2)`` is reported as the
largest double below it, which is one ulp under ``math.log((1 + math.sqrt(5)) / 2)``.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np
from flint import arb, ctx, fmpq, fmpz_poly

from .._lib.arb import round_down, round_up
from .._lib.validation import check_int
from ..errors import ResourceLimitError
from .invariant import invariant_interval
from .periodic import minimal_period, sharkovsky_key
from .pl import PiecewiseLinear, q

#: Default limit on linear pieces of one iterate g^n (fmpq pieces, ~300 bytes each).
DEFAULT_MAX_PIECES = 200_000
#: Largest lap count for which the covering graph of g^n is analysed.
DEFAULT_COVER_MAX_LAPS = 20_000
#: Largest accepted --max-iter.
MAX_ITER = 64
_PREC = 192  # bits for logs and roots
#: Covering matrices up to this size get a dense eigenvector; larger ones power iteration.
DENSE_MAX = 256


def log_ball(value, n: int = 1) -> arb:
    """Ball enclosing ``(1/n) log value`` for a positive int / fmpq / Fraction ``value``.

    >>> round_down(log_ball(8, 3)) <= math.log(2) <= round_up(log_ball(8, 3))
    True
    """
    v = q(value) if not isinstance(value, int) else fmpq(value)
    if v <= 0:
        raise ValueError(f"log of a non-positive number {v}")
    with ctx.workprec(_PREC):
        return (arb(v).log()) / n


def log_bounds(value, n: int = 1) -> tuple[float, float]:
    """``(1/n) log value`` rounded outward to doubles (natural log).

    >>> lo, hi = log_bounds(2); lo <= math.log(2) <= hi and hi - lo < 1e-15
    True
    """
    b = log_ball(value, n)
    return round_down(b), round_up(b)


def bgmy_lambda(m: int) -> arb:
    """Ball for lambda_m, the largest real root of x^m - 2 x^(m-2) - 1 (m odd >= 3).

    ``log lambda_m`` is the least entropy of an interval map with a point of odd
    period m (Block-Guckenheimer-Misiurewicz-Young); ``lambda_3`` is the golden ratio.

    >>> abs(float(bgmy_lambda(3).mid()) - (1 + 5 ** 0.5) / 2) < 1e-12
    True
    """
    if m < 3 or m % 2 == 0:
        raise ValueError(f"m must be odd and >= 3, got {m}")
    coeffs = [0] * (m + 1)
    coeffs[0], coeffs[m - 2], coeffs[m] = -1, -2, 1
    with ctx.workprec(_PREC):
        roots = fmpz_poly(coeffs).complex_roots()
        best = None
        for z, _mult in roots:
            re, im = z.real, z.imag
            if not im.contains(0) or not re > 1:
                continue
            if best is None or re.lower() > best.upper():
                best = re
        if best is None:
            raise ArithmeticError(f"no real root > 1 isolated for m = {m}")
        return best


def bgmy_bound(period: int) -> tuple[float, arb | None]:
    """Rounded-down BGMY lower bound on entropy forced by a point of minimal period ``period``.

    period = 2^k m with m odd: 0 when m = 1, else 2^-k log lambda_m.  Returns (float, ball).

    >>> bgmy_bound(3)[0] < math.log((1 + 5 ** 0.5) / 2) < bgmy_bound(3)[0] + 1e-15
    True
    >>> bgmy_bound(8)[0]
    0.0
    """
    k = (period & -period).bit_length() - 1
    m = period >> k
    if m == 1:
        return 0.0, None
    with ctx.workprec(_PREC):
        b = bgmy_lambda(m).log() / (2 ** k)
    return max(0.0, round_down(b)), b


# ------------------------------------------------------------------ laps
@dataclass(frozen=True)
class Lap:
    """A maximal interval ``[a, b]`` of weak monotonicity of h, with the exact range of h on it.

    ``argmin``/``argmax`` are endpoints where h attains ``vmin``/``vmax``.

    >>> Lap(fmpq(0), fmpq(1), fmpq(0), fmpq(2), fmpq(0), fmpq(1)).vmax
    2
    """

    a: fmpq
    b: fmpq
    vmin: fmpq
    vmax: fmpq
    argmin: fmpq
    argmax: fmpq


def laps_of(h: PiecewiseLinear, lo, hi) -> list[Lap]:
    """The laps of ``h`` on ``[lo, hi]``, left to right, with exact ranges.

    A constant piece joins the lap before it.  ``len(laps_of(h, lo, hi)) ==
    h.num_laps(lo, hi)`` for ``lo < hi``.

    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> [(str(l.a), str(l.b), str(l.vmax)) for l in laps_of(tent, 0, 1)]
    [('0', '1/2', '1'), ('1/2', '1', '1')]
    """
    lo, hi = q(lo), q(hi)
    if lo > hi:
        raise ValueError(f"empty interval [{lo}, {hi}]")
    if lo == hi:
        v = h(lo)
        return [Lap(lo, hi, v, v, lo, lo)]
    xs = h.xs
    i0, i1 = bisect_right(xs, lo), bisect_left(xs, hi)
    pts = [lo] + list(xs[i0:i1]) + [hi]
    vals = [h(lo)] + list(h.ys[i0:i1]) + [h(hi)]
    slopes = h.slopes[i0:i1 + 1]
    laps: list[Lap] = []
    start, direction = 0, 0
    for k, s in enumerate(slopes):
        d = (s > 0) - (s < 0)
        if d and direction and d != direction:
            laps.append(_make_lap(pts, vals, start, k))
            start, direction = k, d
        elif d:
            direction = d
    laps.append(_make_lap(pts, vals, start, len(slopes)))
    return laps


def _make_lap(pts, vals, i, j) -> Lap:
    a, b, ya, yb = pts[i], pts[j], vals[i], vals[j]
    if ya <= yb:
        return Lap(a, b, ya, yb, a, b)
    return Lap(a, b, yb, ya, b, a)


def covering_rows(laps: Sequence[Lap]) -> list[tuple[int, int]]:
    """Row ``i`` of the covering matrix as an index range ``(j_lo, j_hi)`` (inclusive, maybe empty).

    ``A_ij = 1`` iff ``[vmin_i, vmax_i] >= K_j``; since the laps are ordered the
    covered ``j`` form a contiguous range.

    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> covering_rows(laps_of(tent, 0, 1))
    [(0, 1), (0, 1)]
    """
    starts = [l.a for l in laps]
    ends = [l.b for l in laps]
    rows = []
    for l in laps:
        rows.append((bisect_left(starts, l.vmin), bisect_right(ends, l.vmax) - 1))
    return rows


def collatz_wielandt(rows: Sequence[tuple[int, int]], iterations: int = 400
                     ) -> tuple[fmpq, list[int], dict[int, int]] | None:
    """An exact lower bound r <= rho(A) for a 0-1 matrix given by contiguous row ranges.

    Returns ``(r, C, x)`` with ``x[i] > 0`` integers on the index set ``C`` and
    ``sum_{j in C, A_ij = 1} x[j] >= r x[i]`` for every ``i`` in ``C``, checked
    exactly, so ``rho(A) >= r`` (Collatz-Wielandt).  None when no ``r > 0`` is found.

    >>> collatz_wielandt([(0, 1), (0, 1)])[0]
    2
    """
    m = len(rows)
    if m == 0:
        return None
    jl = np.array([r[0] for r in rows], dtype=np.int64)
    jh = np.array([r[1] for r in rows], dtype=np.int64)
    nonempty = jl <= jh
    if not nonempty.any():
        return None

    def mul(x: np.ndarray) -> np.ndarray:
        s = np.concatenate(([0.0], np.cumsum(x)))
        y = np.where(nonempty, s[np.maximum(jh, -1) + 1] - s[np.minimum(jl, m)], 0.0)
        return np.maximum(y, 0.0)

    candidates = [np.ones(m)]
    if m <= DENSE_MAX:
        A = np.zeros((m, m))
        for i, (a, b) in enumerate(rows):
            if a <= b:
                A[i, a:b + 1] = 1.0
        vals, vecs = np.linalg.eig(A)
        k = int(np.argmax(vals.real))
        v = np.abs(vecs[:, k].real)
        if v.max() > 0:
            candidates.append(v / v.max())
    else:
        x = np.ones(m)
        for it in range(iterations):
            y = mul(x) + x  # (A + I) x: same Perron vector, no oscillation
            top = y.max()
            if not top > 0:
                break
            y /= top
            done = it % 16 == 15 and float(np.max(np.abs(y - x))) <= 1e-15
            x = y
            if done:
                break
        candidates.append(x)
    best = None
    for cand in candidates:
        res = _certify(rows, cand, mul)
        if res is not None and (best is None or res[0] > best[0]):
            best = res
    return best


def _certify(rows, xf: np.ndarray, mul) -> tuple[fmpq, list[int], dict[int, int]] | None:
    """Pick a support C, round x to integers, verify A_C x >= r x exactly."""
    m = len(rows)
    mask = xf > 0
    for _ in range(8):
        xm = np.where(mask, xf, 0.0)
        y = mul(xm)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(mask, y / np.where(mask, xf, 1.0), np.inf)
        if not mask.any():
            return None
        est = ratio[mask].max()
        bad = mask & (ratio < est * (1 - 1e-9))
        if not bad.any():
            break
        mask = mask & ~bad
    scale = 2.0 ** 60 / xf[mask].max() if mask.any() else 1.0
    xi: dict[int, int] = {}
    for i in np.flatnonzero(mask):
        v = int(round(float(xf[i]) * scale))
        if v > 0:
            xi[int(i)] = v
    if not xi:
        return None
    prefix = [0] * (m + 1)
    for j in range(m):
        prefix[j + 1] = prefix[j] + xi.get(j, 0)
    best_num, best_den = None, None
    for i, xv in xi.items():
        a, b = rows[i]
        num = prefix[b + 1] - prefix[a] if a <= b else 0
        if best_num is None or num * best_den < best_num * xv:
            best_num, best_den = num, xv
    if not best_num:
        return None
    return fmpq(best_num, best_den), sorted(xi), xi


# ------------------------------------------------------------------ results
@dataclass
class LowerEvidence:
    """One rigorous lower bound: ``value`` (rounded down, natural log) and its witness.

    ``method`` is ``covering``, ``periodic_orbit`` or ``trivial`` (0 <= h).

    >>> LowerEvidence("trivial", 0, 0.0, "h >= 0").to_json()["value"]
    0.0
    """

    method: str
    n: int
    value: float
    description: str
    certificate: dict[str, Any] | None = None

    def to_json(self, certificate: bool = False) -> dict[str, Any]:
        """JSON-able dict (value in nats); with ``certificate`` the exact witness too."""
        out = {"method": self.method, "n": self.n, "value": self.value,
               "description": self.description}
        if certificate and self.certificate is not None:
            out["certificate"] = self.certificate
        return out


@dataclass
class EntropyBounds:
    """Rigorous bounds ``lower <= h <= upper`` (natural log per iteration).

    ``h`` is the topological entropy of f on its largest invariant subset of
    ``interval`` (see the module docstring).  ``upper`` is None when no bound
    could be established.  ``laps[n-1]`` is the exact lap count of g^n on the
    interval; ``upper_n`` the n giving ``upper``.

    >>> b = entropy_bounds(PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2]), 3)
    >>> b.positive, b.iterations_done, b.laps
    (True, 3, [2, 4, 8])
    """

    lower: float
    upper: float | None
    interval: tuple[fmpq, fmpq] | None
    forward_invariant: bool
    laps: list[int]
    upper_n: int | None
    lower_evidence: LowerEvidence
    candidates: list[LowerEvidence]
    max_iter: int
    notes: list[str] = field(default_factory=list)

    @property
    def iterations_done(self) -> int:
        """How many iterates g^n were built (max_iter unless a size limit stopped it)."""
        return len(self.laps)

    @property
    def positive(self) -> bool:
        """True when positive entropy is proven (lower > 0)."""
        return self.lower > 0

    def _upper_evidence(self) -> dict[str, Any] | None:
        """Where ``upper`` comes from: a lap count of g^n, or (``upper_n == 0``, no iterate
        built: f affine, without periodic points, or without an invariant interval) the
        structural fact stated in the notes."""
        if self.upper is None or self.upper_n is None:
            return None
        if self.upper_n == 0:
            return {"method": "structural", "n": 0, "laps": None,
                    "description": "; ".join(self.notes)}
        laps = self.laps[self.upper_n - 1]
        return {"method": "lap_count", "n": self.upper_n, "laps": laps,
                "description": f"(1/{self.upper_n}) log {laps} "
                               "(laps of g^n on the interval; submultiplicative)"}

    def to_json(self, certificate: bool = False) -> dict[str, Any]:
        """JSON-able dict: ``lower``, ``upper`` (nats), evidence, laps; the lower bound's
        exact witness too when ``certificate``.  Example: ``entropy_bounds(f, 6).to_json()``."""
        return {
            "lower": self.lower,
            "upper": self.upper,
            "units": "nats per iteration (natural log)",
            "target": "h_top of f on its largest invariant subset of the interval",
            "interval": None if self.interval is None else [str(self.interval[0]),
                                                            str(self.interval[1])],
            "forward_invariant": self.forward_invariant,
            "max_iter": self.max_iter,
            "iterations_done": self.iterations_done,
            "laps": self.laps,
            "upper_evidence": self._upper_evidence(),
            "lower_evidence": self.lower_evidence.to_json(certificate),
            "lower_candidates": [c.to_json() for c in self.candidates],
            "notes": self.notes,
        }


# ------------------------------------------------------------------ main entry
def check_max_iter(max_iter: Any) -> int:
    """Validate ``max_iter`` (the largest iterate n used, 1..MAX_ITER) or raise SpecError('max_iter').

    >>> check_max_iter(8)
    8
    """
    return check_int(max_iter, "max_iter", 1, MAX_ITER)


def as_pl(f) -> PiecewiseLinear:
    """The exact PiecewiseLinear form of a ScalarRNN (a PiecewiseLinear is returned as is).

    >>> as_pl(PiecewiseLinear.affine(2, 0)).slopes
    [2, 2]
    """
    return f if isinstance(f, PiecewiseLinear) else PiecewiseLinear.from_network(f)


def clipped(f: PiecewiseLinear, lo, hi) -> PiecewiseLinear:
    """``g = clip_[lo,hi] o f o clip_[lo,hi]``: equals ``clip o f`` on ``[lo, hi]``, maps R into it.

    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> clipped(tent, 0, "1/2")("1/2")
    1/2
    """
    c = PiecewiseLinear.clip(lo, hi)
    return c.compose(f.compose(c))


def _trivial(reason: str, value_upper: float | None, max_iter: int, interval=None,
             fwd=False) -> EntropyBounds:
    ev = LowerEvidence("trivial", 0, 0.0, "topological entropy is >= 0")
    return EntropyBounds(0.0, value_upper, interval, fwd, [], None if value_upper is None else 0,
                         ev, [ev], max_iter, [reason])


def entropy_bounds(f, max_iter: int, *, max_pieces: int = DEFAULT_MAX_PIECES,
                   cover_max_laps: int = DEFAULT_COVER_MAX_LAPS) -> EntropyBounds:
    """Rigorous bounds on the topological entropy of a scalar PL map (natural log).

    ``f`` is a :class:`~rnnchaos.networks.model.ScalarRNN` (piecewise-linear activations)
    or a :class:`~rnnchaos.exact.pl.PiecewiseLinear`.  Iterates ``g^n`` for
    ``n = 1..max_iter`` are built exactly (stopping early, with a note, when one
    would exceed ``max_pieces`` pieces).  See the module docstring for the
    theorems behind each bound.

    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> b = entropy_bounds(tent, 4)
    >>> b.lower <= math.log(2) <= b.upper, b.upper - b.lower < 1e-15
    (True, True)
    """
    check_max_iter(max_iter)
    f = as_pl(f)
    if f.is_affine:
        return _trivial("f is affine: every compact invariant set of an affine map carries "
                        "entropy 0", 0.0, max_iter)
    inv = invariant_interval(f)
    if not inv.exists:
        if "no periodic points" in inv.reason:
            return _trivial("f has no periodic points, hence no fixed point: f(x) - x has one "
                            "sign and no nonempty compact set is invariant; entropy 0", 0.0,
                            max_iter)
        return _trivial(f"no bounded invariant interval: {inv.reason}; only the trivial "
                        "lower bound is available", None, max_iter)
    lo, hi = inv.lo, inv.hi
    notes = []
    if not inv.forward_invariant:
        notes.append("f(I) is not inside I: bounds are for f on its largest invariant subset "
                     "of I, computed with the clipped map clip_I o f (same entropy, see docs)")
    if lo == hi:
        ev = LowerEvidence("trivial", 0, 0.0, "topological entropy is >= 0")
        return EntropyBounds(0.0, 0.0, (lo, hi), inv.forward_invariant, [1] * max_iter, 1, ev,
                             [ev], max_iter, notes + ["I is a single point"])
    g = clipped(f, lo, hi)
    laps: list[int] = []
    candidates: list[LowerEvidence] = []
    fixed_isolated: dict[int, set] = {}
    periodic_best: tuple | None = None  # (sharkovsky key, period, witness)
    try:
        for n, gn in zip(range(1, max_iter + 1), g.iterates(max_pieces)):
            lap_list = laps_of(gn, lo, hi)
            laps.append(len(lap_list))
            if len(lap_list) <= cover_max_laps:
                ev = _covering_evidence(gn, n, lap_list, lo, hi)
                if ev is not None:
                    candidates.append(ev)
            elif not any("covering graph" in s for s in notes):
                notes.append(f"covering graphs skipped from n = {n} "
                             f"(more than {cover_max_laps} laps)")
            periodic_best = _periodic_update(g, gn, n, fixed_isolated, periodic_best)
    except ResourceLimitError as exc:
        notes.append(f"stopped after n = {exc.n - 1}: g^{exc.n} {exc}")
    if periodic_best is not None:
        _, p, x = periodic_best
        value, _ball = bgmy_bound(p)
        k = (p & -p).bit_length() - 1
        m = p >> k
        desc = (f"point {x} of minimal period {p} = 2^{k} * {m}: h >= 2^-{k} log lambda_{m} "
                f"(BGMY; lambda_{m} = largest root of x^{m} - 2x^{m - 2} - 1)")
        candidates.append(LowerEvidence("periodic_orbit", p, value, desc,
                                        {"method": "periodic_orbit", "period": p, "point": str(x),
                                         "interval": [str(lo), str(hi)]}))
    trivial = LowerEvidence("trivial", 0, 0.0, "topological entropy is >= 0")
    best = max(candidates + [trivial], key=lambda e: e.value)
    # upper: min over n of (1/n) log l_n, compared exactly
    un = 1
    for n in range(2, len(laps) + 1):
        if laps[n - 1] ** un < laps[un - 1] ** n:
            un = n
    upper = log_bounds(laps[un - 1], un)[1] if laps[un - 1] > 1 else 0.0
    if best.value > upper:  # impossible if the theorems and the code are right
        raise ArithmeticError(f"internal error: lower bound {best.value} > upper bound {upper}")
    shown = sorted((c for c in candidates if c.method == "covering"), key=lambda e: -e.value)[:6]
    shown += [c for c in candidates if c.method != "covering"]
    return EntropyBounds(best.value, upper, (lo, hi), inv.forward_invariant, laps, un, best,
                         sorted(shown, key=lambda e: -e.value), max_iter, notes)


def _covering_evidence(gn: PiecewiseLinear, n: int, lap_list: list[Lap], lo, hi
                       ) -> LowerEvidence | None:
    rows = covering_rows(lap_list)
    res = collatz_wielandt(rows)
    if res is None:
        return None
    r, support, x = res
    if r <= 1:
        return None
    value = max(0.0, round_down(log_ball(r, n)))
    s0, s1 = min(support), max(support)
    full = len(support) == s1 - s0 + 1 and all(rows[i][0] <= s0 and rows[i][1] >= s1
                                                 for i in support)
    kind = f"{len(support)}-horseshoe" if full and r == len(support) else "covering graph"
    desc = (f"{kind} of g^{n}: {len(support)} laps with pairwise disjoint interiors, "
            f"rho(A) >= r = {_short(r)}, so h >= (1/{n}) log r")
    cert = {"method": "covering", "n": n, "interval": [str(lo), str(hi)], "r": str(r),
            "laps": [[str(lap_list[i].a), str(lap_list[i].b)] for i in support],
            "argmin": [str(lap_list[i].argmin) for i in support],
            "argmax": [str(lap_list[i].argmax) for i in support],
            "x": [x[i] for i in support]}
    return LowerEvidence("covering", n, value, desc, cert)


def _short(r: fmpq) -> str:
    s = str(r)
    return s if len(s) <= 24 else f"{float(Fraction(int(r.p), int(r.q))):.12g}... (exact in certificate)"


def _periodic_update(g, gn, n, fixed_isolated, best):
    """Record isolated Fix(g^n); if a new point of minimal period n exists, maybe update best."""

    fix = gn.fixed_point_set()
    pts = {lo for lo, hi in fix if lo is not None and lo == hi}
    fixed_isolated[n] = pts
    odd = n >> ((n & -n).bit_length() - 1)
    if odd == 1:
        return best
    if best is not None and sharkovsky_key(best[1]) <= sharkovsky_key(n):
        return best
    lower = set()
    for d in range(1, n):
        if n % d == 0:
            lower |= fixed_isolated.get(d, set())
    cands = sorted(pts - lower)
    cands += [(a + b) / 2 for a, b in fix if a is not None and b is not None and a != b]
    for x in cands[:64]:
        if minimal_period(g, x, n) == n:
            return (sharkovsky_key(n), n, x)
    return best


# ------------------------------------------------------------------ verification
def parse_exact(text: str) -> Fraction:
    """'p/q' or 'p' (as printed by fmpq) to a Fraction, without Python's int-string size limit.

    >>> parse_exact("-3/4")
    Fraction(-3, 4)
    """
    from flint import fmpz
    text = str(text).strip()
    if "/" in text:
        p, d = text.split("/", 1)
        return Fraction(int(fmpz(p)), int(fmpz(d)))
    return Fraction(int(fmpz(text)))


def _clipped_step(f, lo: Fraction, hi: Fraction) -> Callable[[Fraction], Fraction]:
    if isinstance(f, PiecewiseLinear):
        def ev(x: Fraction) -> Fraction:
            v = f(fmpq(x.numerator, x.denominator))
            return Fraction(int(v.p), int(v.q))
    else:
        ev = f.exact

    def step(x: Fraction) -> Fraction:
        return min(max(ev(min(max(x, lo), hi)), lo), hi)
    return step


def verify_lower_certificate(f, certificate: dict[str, Any]) -> bool:
    """Check a lower-bound certificate exactly, without the PL engine's iterates.

    ``f`` is a ScalarRNN (evaluated layer by layer in Fractions) or a
    PiecewiseLinear.  ``covering``: the laps lie in the interval, in order with
    disjoint interiors, each ``argmin``/``argmax`` lies in its lap, and for every
    pair ``(i, j)`` counted in ``A_C x`` the values ``g^n(argmin_i) <= a_j`` and
    ``g^n(argmax_i) >= b_j`` hold; then ``A_C x >= r x`` is checked.
    ``periodic_orbit``: ``g^p(x) = x`` and ``g^j(x) != x`` for ``0 < j < p``.

    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> b = entropy_bounds(tent, 2)
    >>> verify_lower_certificate(tent, b.lower_evidence.certificate)
    True
    """
    method = certificate.get("method")
    lo, hi = (parse_exact(s) for s in certificate["interval"])
    step = _clipped_step(f, lo, hi)
    if method == "periodic_orbit":
        p, x = int(certificate["period"]), parse_exact(certificate["point"])
        if not lo <= x <= hi:
            return False
        return minimal_period(step, x, p) == p
    if method != "covering":
        return False
    n = int(certificate["n"])
    r = parse_exact(certificate["r"])
    K = [(parse_exact(a), parse_exact(b)) for a, b in certificate["laps"]]
    amin = [parse_exact(s) for s in certificate["argmin"]]
    amax = [parse_exact(s) for s in certificate["argmax"]]
    x = [int(v) for v in certificate["x"]]
    if not (len(K) == len(amin) == len(amax) == len(x)) or not K or r <= 0:
        return False
    if any(v <= 0 for v in x):
        return False
    for i, (a, b) in enumerate(K):
        if not (lo <= a < b <= hi and a <= amin[i] <= b and a <= amax[i] <= b):
            return False
        if i and K[i - 1][1] > a:
            return False

    def gn(z):
        for _ in range(n):
            z = step(z)
        return z
    starts = [a for a, _ in K]
    ends = [b for _, b in K]
    prefix = [0]
    for v in x:
        prefix.append(prefix[-1] + v)
    for i in range(len(K)):
        vmin, vmax = gn(amin[i]), gn(amax[i])
        # covered j: a_j >= vmin and b_j <= vmax (a contiguous range, K being ordered)
        j0, j1 = bisect_left(starts, vmin), bisect_right(ends, vmax)
        total = prefix[j1] - prefix[j0] if j0 < j1 else 0
        if total < r * x[i]:
            return False
    return True


__all__ = ["EntropyBounds", "LowerEvidence", "Lap", "entropy_bounds", "verify_lower_certificate",
           "laps_of", "covering_rows", "collatz_wielandt", "bgmy_lambda", "bgmy_bound",
           "log_bounds", "log_ball", "round_down", "round_up", "clipped", "check_max_iter",
           "MAX_ITER"]
