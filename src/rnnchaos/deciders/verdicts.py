"""Exact chaos verdicts for whole batches of networks: a certified float filter + the exact engine.

:func:`decide` answers, for every network of a :class:`~rnnchaos.networks.batch.NetworkBatch`,

* ``period_2``: f has a point of minimal period 2 somewhere on R
  (``2 in periodic_orbits(f, 2).periods``);
* ``period_3``: f has a point of minimal period 3 (Li-Yorke chaos)
  (``3 in periodic_orbits(f, 3).periods``);
* ``positive_entropy``: f has a minimal period p <= N (``entropy_max_period``) that is
  not a power of 2 (``periodic_orbits(f, N).positive_entropy``);
* ``reference_test``: the notebooks' grid test, with its known defect (it detects a
  period-2 or period-4 point inside the window, not period 3): see
  :mod:`rnnchaos.deciders.reference`.  It is a float64 procedure by definition.

The first three verdicts are **exactly** those of :func:`rnnchaos.exact.periodic.periodic_orbits`,
network by network.  They are computed in the style of Shewchuk's and CGAL's filtered
predicates: a fast floating-point path that knows when it cannot decide, and the exact
engine for every network it could not decide.

The filter (depth-2 networks: one hidden layer of any width with identity, relu or
leaky_relu units; output identity, relu, leaky_relu or hardtanh)
----------------------------------------------------------------------------------
Every number is an *enclosure* ``[lo, hi]`` of an exact real (rigorous interval
arithmetic, as in CGAL's ``Interval_nt``): after each rounded operation the result is
widened by ``|x| * 2**-52 + 2**-1074``, which is at least one ulp, so the enclosure also
covers gradual underflow.  Every decision is a comparison of enclosures that is *certified*
(e.g. ``a.hi < b.lo``) or not made; comparisons are written so that NaN or overflow never
certifies anything (a non-finite enclosure makes the network undecided).

1. *Pieces of f.*  The kinks ``-b_j / w_j`` of the hidden units are sorted (in the kernel up
   to width 24, by numpy on packed keys beyond: the order is only a proposal) and certified
   strictly increasing (ties and misorders go to the exact engine); slopes and intercepts of the
   hidden sum ``g`` on each interval are accumulated as enclosures; the output activation
   splits a piece where ``g`` crosses its thresholds (0 for relu, ``min_val``/``max_val``
   for hardtanh), the sign of ``g - threshold`` at the piece's ends being certified.
   A piece is *flat* when its slope is structurally zero (a clamped output, or no
   active unit); its value is then an exactly known double.  Every other piece must have
   a slope certified non-zero.  Pieces are built only on a *domain* D = [b_{-1}, b_{m-1}]
   that holds f(R), hence every periodic point (x = f(f^{p-1}(x))): f's values lie in
   [0, inf) for a relu output and [min_val, max_val] for hardtanh, so the g-pieces
   certified outside are skipped (:mod:`.pieces`; about half the kinks of a relu output).
   Every step below reasons about points of D only.
2. *Orbits through a flat piece.*  Such an orbit contains the piece's constant ``c``; the
   orbit of ``c`` is followed in interval arithmetic (direct evaluation of the network),
   and the clamps make it exact again whenever it lands in a flat piece.  It returns to
   ``c`` at step d (exactly, certified) - minimal period d - or is certified different from
   ``c`` at every step <= N, or the network is undecided.
3. *Orbits avoiding flat pieces*, period n: only pieces meeting the *core* E take part,
   an interval holding every periodic orbit (E <- E ∩ hull f(E) from E = R, three rounds,
   with rigorous piece enclosures: a periodic orbit O satisfies O = f(O));
   depth-first enumeration of itineraries
   ``P_0 .. P_{n-1}`` (closed non-flat pieces, rotated so that ``P_0`` has the least
   index: the lowest piece of the orbit's least point).  Along the way the enclosure of
   ``J_i = f^i{x in P_0 : f^j(x) in P_j, j <= i}`` is propagated forward
   (``J_{i+1} = f(J_i) ∩ P_{i+1}``); a branch is pruned only when it is certified empty.
   This is the transition graph of the pieces, refined by the actual images.  At depth n,
   with ``F = A x + B`` the composed affine map (``A != 0``) and ``J = F(I)``:

   * ``1 - A`` must be certified non-zero (else undecided: a continuum may exist);
   * a non-primitive itinerary (a repeated word of length d < n) has no point of minimal
     period n: ``F`` = H^(n/d) with ``A != 1`` has the single fixed point of H;
   * for a primitive itinerary, the fixed point ``x* = B / (1 - A)`` of F is a periodic
     point iff ``x* ∈ I`` iff ``x* ∈ J`` (F is a bijection with F(x*) = x*).
     **YES** when ``x*`` is certified in the *interior* of J: then every ``f^i(x*)`` is
     interior to ``P_i`` (F is affine with non-zero slope on I), the itinerary of ``x*`` is
     unique, so its minimal period is the primitive period of the word, n.
     **NO** for this word when ``x*`` is certified outside the closure of J.
     When neither is certified (J's enclosure is loose, e.g. F contracts hard), the orbit
     ``x_i = F_i(x*)`` itself is located: NO if some ``x_i`` is certified outside its closed
     piece, YES if every ``x_i`` is certified interior to its piece (then x* follows the
     word and F(x*) = x*, with the same uniqueness argument).  Anything else is undecided.

   The enclosures of J stay valid even when the true J is empty: intersections and affine
   maps keep an empty ("inverted") interval inverted, so YES is never certified for an empty
   J, and NO or pruning claims about an empty set are true.

Period n is present iff step 2 or step 3 finds it; it is absent iff both certify so.

Monotone maps (checked first, from the certified slopes of step 1)
------------------------------------------------------------------
* **f nondecreasing on D** (every non-flat piece has a slope certified > 0; flat pieces are
  constant and f is continuous): **only fixed points**.  A periodic orbit lies in D; if
  x < f(x) then f(x) <= f(f(x)), and so on: the orbit of x is nondecreasing, and likewise
  nonincreasing when x > f(x); a periodic orbit that is monotone is constant.  About
  half of the random width-2 networks (47% for ``paper_he``) stop here, after step 1;
  half of those before it: when every unit has a_j w_j >= 0 (and the activations are
  nondecreasing) each term a_j h(w_j x + b_j) is nondecreasing, which signs alone show.
* **f nonincreasing on D** (every non-flat slope certified < 0): f maps D into f(R), a
  subset of D, so f∘f is continuous and nondecreasing on D, and its periodic points
  (in D) are its fixed points; a point of minimal period p
  under f has minimal period p / gcd(p, 2) under f∘f, which must be 1: **p is 1 or 2**.
  Only period 2 is searched (28% of random width-2 ``paper_he`` networks).

Sharkovsky shortcuts (f is continuous on R)
-------------------------------------------
Sharkovsky's order 3 ▷ 5 ▷ 7 ▷ ... ▷ 2·3 ▷ 2·5 ▷ ... ▷ 4·3 ▷ ... ▷ 8 ▷ 4 ▷ 2 ▷ 1: a
period forces every period after it.

* Every period p != 1 forces 2, so **no period 2 means only fixed points**: then
  period_3 and positive_entropy are false without further work (most random networks).
* 3 forces everything: **period 3 implies period 2 and positive entropy**.
* **positive_entropy(N) <=> period p* is present**, where p* = 2^K·m is the weakest
  non-power of 2 up to N: K maximal with 2^K·3 <= N, then m the largest odd with 2^K·m <= N
  (p* = 3 for N = 3, 4; 5 for N = 5; 6 for N = 6..9; 10 for N = 10, 11; 12 for 12..19; ...).
  Proof: p* itself is a non-power of 2 <= N, which gives "<=".  For "=>" let p = 2^a·b
  <= N with b odd >= 3.  2^a·3 <= p <= N, so a <= K.  If a < K, p ▷ p* in Sharkovsky's
  order (a smaller power of two comes first).  If a = K, then b is an odd number with
  2^K·b <= N, so b <= m; b < m gives p ▷ p* (same power, smaller odd part) and b = m gives
  p = p*.  Either way f has period p*.  (``tests/deciders/test_verdicts.py`` checks this against the
  exact engine for N = 3 .. 12.)  Also, p* absent implies period 3 absent (3 ▷ p*).

Where the code lives
--------------------
:mod:`.intervals` (rounded interval primitives), :mod:`.pieces` (steps 1 and 2),
:mod:`.itineraries` (step 3) and this module (the monotone and Sharkovsky decisions per network, the
batch driver, the exact fallback).

Networks the filter does not handle (depth 3, hardtanh hidden units, ...) go to the exact
engine.  Networks with tanh or sigmoid anywhere get the three exact criteria from the
certified engine (:func:`rnnchaos.certified.batch.decide_smooth`: a compiled interval
kernel decides almost every network, the ball-arithmetic engine the rest); what neither
can decide is marked undecided
(``Verdicts.undecided``), never guessed; their reference test is computed as usual.
"""
from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Sequence

import numpy as np

from .._lib.jit import HAVE_NUMBA, njit
from .._lib.threads import run_chunks
from ..errors import SpecError
from ..exact.periodic import periodic_orbits, weakest_non_power_of_two
from ..networks.batch import (
    ACT_HARDTANH,
    ACT_IDENTITY,
    ACT_LEAKY,
    ACT_RELU,
    NetworkBatch,
    activation_code,
)
from .criteria import (
    CRITERIA,  # the one list (re-exported here)
    check_criteria,
    check_entropy_max_period,
)
from .itineraries import (
    CORE_ROUNDS,
    NO,
    SCRATCH_COLUMNS,
    UNKNOWN,
    YES,
    core_interval,
    periodic_itinerary,
    scratch_rows,
)
from .pieces import (
    INSERTION_SORT_MAX,
    KINK_COLUMNS,
    PIECE_COLUMNS,
    build_pieces,
    certified_trend,
    flat_orbits,
    kink_sort_keys,
    piece_capacity,
    rising_by_signs,
)

EXACT_CRITERIA = ("period_2", "period_3", "positive_entropy")

#: Default limit on itinerary-tree nodes per network and period (beyond: exact engine).
DEFAULT_NODE_BUDGET = 200_000


def sharkovsky_weakest_non_power_of_two(n: int) -> int:
    """p*: the non-power of 2 <= n that every other non-power of 2 <= n forces (n >= 3).

    p* = 2^K·m with K maximal such that 2^K·3 <= n, then m the largest odd number with
    2^K·m <= n.  f has a period p <= n that is not a power of 2 iff f has period p*.

    >>> [sharkovsky_weakest_non_power_of_two(n) for n in (3, 4, 5, 6, 9, 10, 12, 20, 24, 64)]
    [3, 3, 5, 6, 6, 10, 12, 20, 24, 48]
    """
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 3:
        raise SpecError("entropy_max_period", f"must be an integer >= 3, got {n!r}")
    return weakest_non_power_of_two(int(n))


# ============================================================================ decision
@njit(cache=True)
def _decide_period(n, found, unknown_from, m, pieces, ends, budget, st, ist, elo, ehi):
    """YES / NO / UNKNOWN: f has a point of minimal period n (flat-piece orbits in ``found``;
    every periodic point in [elo, ehi])."""
    if (found >> n) & 1:
        return YES
    r = periodic_itinerary(n, m, pieces, ends, budget, st, ist, elo, ehi)
    if r == YES:
        return YES
    if r == UNKNOWN or n >= unknown_from:
        return UNKNOWN
    return NO


@njit(cache=True)
def _decide_one(w, bh, a, c, hcode, halpha, ocode, o1, o2, need3, needE, pstar, budget,
                keys, kinks, pieces, ends, st, ist, out):
    """Codes (period_2, period_3, positive_entropy) of one network into ``out``, with the
    Sharkovsky shortcuts of the module docstring."""
    if rising_by_signs(w, a, hcode, halpha, ocode, o1):  # nondecreasing: only fixed points
        out[0] = NO
        out[1] = NO
        out[2] = NO
        return
    out[0] = UNKNOWN
    out[1] = UNKNOWN
    out[2] = UNKNOWN
    m = build_pieces(w, bh, a, c, hcode, halpha, ocode, o1, o2, kinks, pieces, keys, ends)
    if m == 0:
        return
    trend = certified_trend(pieces, m)
    if trend > 0:  # f nondecreasing: only fixed points
        out[0] = NO
        out[1] = NO
        out[2] = NO
        return
    nmax = 2
    if need3 and trend == 0:
        nmax = 3
    if needE and trend == 0:
        nmax = max(nmax, pstar)
    found, unk = flat_orbits(pieces, m, nmax, w, bh, a, c, hcode, halpha, ocode, o1, o2)
    elo, ehi = core_interval(pieces, m, CORE_ROUNDS, ends)
    r2 = _decide_period(2, found, unk, m, pieces, ends, budget, st, ist, elo, ehi)
    if r2 == NO:  # only fixed points: nothing else can be present
        out[0] = NO
        out[1] = NO
        out[2] = NO
        return
    if trend < 0:  # f nonincreasing: periods 1 and 2 only
        out[0] = r2
        out[1] = NO
        out[2] = NO
        return
    r3 = UNKNOWN
    rE = UNKNOWN
    if need3 or needE:
        r3 = _decide_period(3, found, unk, m, pieces, ends, budget, st, ist, elo, ehi)
        if r3 == YES:
            r2 = YES
            rE = YES
        elif needE:
            if pstar == 3:
                rE = r3
            else:
                rE = _decide_period(pstar, found, unk, m, pieces, ends, budget, st, ist, elo, ehi)
            if rE == NO:
                r3 = NO  # 3 forces p*
            elif rE == YES:
                r2 = YES  # every period other than 1 forces 2
    out[0] = r2
    out[1] = r3
    out[2] = rE


@njit(cache=True, nogil=True)
def _decide_range(W1, B1, W2, B2, hcode, halpha, ocode, o1, o2, need3, needE, pstar,
                  budget, keys, out, start, end):
    """Codes of networks start .. end-1 into out[start:end]; scratch allocated once.
    ``keys``: sorted packed kink keys per network (B, k), or (B, 0) to sort in the kernel."""
    k = W1.shape[1]
    rows = scratch_rows(pstar)
    kinks = np.empty((k + 1, KINK_COLUMNS))
    pieces = np.empty((piece_capacity(k), PIECE_COLUMNS))
    ends = np.empty(4)
    st = np.empty((rows, SCRATCH_COLUMNS))
    ist = np.empty((3, rows), dtype=np.int64)
    res = np.empty(3, dtype=np.int8)
    for i in range(start, end):
        _decide_one(W1[i], B1[i], W2[i], B2[i], hcode, halpha, ocode, o1, o2,
                    need3, needE, pstar, budget, keys[i], kinks, pieces, ends, st, ist, res)
        out[i, 0] = res[0]
        out[i, 1] = res[1]
        out[i, 2] = res[2]


# ============================================================================ results
@dataclass
class Verdicts:
    """Per-network verdicts of :func:`decide`.

    ``arrays[c]`` is a boolean array (one entry per network) for each requested criterion
    ``c`` (True: certified yes).  For networks with tanh or sigmoid units the exact criteria
    come from the certified engine (:mod:`rnnchaos.certified.batch`: interval kernel, then
    ball arithmetic), and the networks it leaves undecided are marked in ``undecided[c]``
    (and are False in ``arrays[c]``).
    ``exact_fallback[i]`` says network ``i`` was decided by the exact
    engine because the float filter could not decide it (or does not handle its
    architecture).  ``verdicts["period_3"]`` is ``verdicts.arrays["period_3"]``.

    >>> from rnnchaos.networks.batch import sample_preset_batch
    >>> v = decide(sample_preset_batch("paper_he", 0, 0, 20), ("period_2",))
    >>> v["period_2"].shape, v.counts["period_2"] == int(v["period_2"].sum())
    ((20,), True)
    """

    criteria: tuple[str, ...]
    arrays: dict[str, np.ndarray | None]
    exact_fallback: np.ndarray
    entropy_max_period: int
    window: float | None = None
    #: per criterion, networks the certified (ball) engine left undecided (smooth units only);
    #: they are False in ``arrays`` and must be counted apart, never as a verdict
    undecided: dict[str, np.ndarray] | None = None

    def __getitem__(self, criterion: str) -> np.ndarray | None:
        if criterion not in self.arrays:
            raise KeyError(criterion)
        return self.arrays[criterion]

    def __contains__(self, criterion: str) -> bool:
        return criterion in self.arrays

    def __len__(self) -> int:
        return len(self.exact_fallback)

    @property
    def n(self) -> int:
        return len(self.exact_fallback)

    @property
    def counts(self) -> dict[str, int]:
        """Number of networks certified to satisfy each criterion."""
        return {c: int(np.count_nonzero(v)) for c, v in self.arrays.items()}

    @property
    def undecided_counts(self) -> dict[str, int]:
        """Number of networks left undecided per criterion (0 for piecewise-linear batches)."""
        return {c: int(np.count_nonzero(v)) for c, v in (self.undecided or {}).items()}

    @property
    def n_exact_fallback(self) -> int:
        return int(np.count_nonzero(self.exact_fallback))


# ============================================================================ entry point
# the one check of a criteria list and of the entropy period bound live in deciders.criteria
_check_criteria = check_criteria
_check_entropy_period = check_entropy_max_period


def _check_window(window, batch: NetworkBatch, needed: bool) -> float | None:
    if window is None:
        if not needed:
            return None
        preset = getattr(batch, "preset", None)
        if preset is None:
            raise SpecError("window", "required for reference_test on a batch not drawn from a "
                            "preset (the notebooks use 2 for network A, 1 for networks B and C)")
        return 2.0 if preset.name == "paper_a" else 1.0
    if isinstance(window, bool) or not isinstance(window, Real) or not np.isfinite(window) \
            or not window > 0:
        raise SpecError("window", f"must be a finite number > 0, got {window!r}")
    return float(window)


def _fast_path_layout(batch: NetworkBatch):
    """(W1, b1, a, c, hcode, halpha, ocode, o1, o2) when the filter handles the batch, else None."""
    if len(batch.layers) != 2 or not HAVE_NUMBA:
        return None
    l1, l2 = batch.layers
    hcode, halpha, _ = activation_code(l1.activation)
    ocode, o1, o2 = activation_code(l2.activation)
    if hcode not in (ACT_IDENTITY, ACT_RELU, ACT_LEAKY):
        return None
    # leaky_relu with slope 0 is relu (keeps clamped values exact); slope 1 is the identity
    if hcode == ACT_LEAKY and halpha == 0.0:
        hcode = ACT_RELU
    if hcode == ACT_LEAKY and halpha == 1.0:
        hcode, halpha = ACT_IDENTITY, 0.0
    if ocode == ACT_LEAKY and o1 == 0.0:
        ocode = ACT_RELU
    if ocode == ACT_LEAKY and o1 == 1.0:
        ocode, o1 = ACT_IDENTITY, 0.0
    if ocode not in (ACT_IDENTITY, ACT_RELU, ACT_LEAKY, ACT_HARDTANH):
        return None
    W1 = np.ascontiguousarray(l1.weight[:, :, 0])
    B1 = np.ascontiguousarray(l1.bias)
    A = np.ascontiguousarray(l2.weight[:, 0, :])
    C = np.ascontiguousarray(l2.bias[:, 0])
    return W1, B1, A, C, hcode, halpha, ocode, o1, o2


def fast_verdicts(batch: NetworkBatch, *, need_period_3: bool = True, need_entropy: bool = True,
                  entropy_max_period: int = 6, node_budget: int = DEFAULT_NODE_BUDGET,
                  threads: int | None = None) -> np.ndarray | None:
    """The float filter alone: an int8 array (B, 3) of (period_2, period_3, positive_entropy)
    codes, 1 = certified yes, 0 = certified no, -1 = undecided; None when the filter does not
    handle the batch's architecture.  Columns not requested may be -1.

    >>> from rnnchaos.networks.batch import sample_preset_batch
    >>> codes = fast_verdicts(sample_preset_batch("paper_he", 0, 0, 50))
    >>> codes.shape, bool(((codes >= -1) & (codes <= 1)).all())
    ((50, 3), True)
    """
    layout = _fast_path_layout(batch)
    if layout is None:
        return None
    W1, B1, A, C, hcode, halpha, ocode, o1, o2 = layout
    pstar = sharkovsky_weakest_non_power_of_two(_check_entropy_period(entropy_max_period))
    nb = len(batch)
    out = np.empty((nb, 3), dtype=np.int8)
    k = W1.shape[1]
    presort = k > INSERTION_SORT_MAX and hcode != ACT_IDENTITY
    keys = np.empty((nb, k if presort else 0), dtype=np.int64)
    args = (W1, B1, A, C, int(hcode), float(halpha), int(ocode), float(o1), float(o2),
            bool(need_period_3), bool(need_entropy), int(pstar), int(node_budget), keys, out)

    def decide_chunk(start: int, end: int) -> None:
        if presort:
            kink_sort_keys(W1, B1, A, keys, start, end)
            keys[start:end].sort(axis=1)
        _decide_range(*args, start, end)
    run_chunks(decide_chunk, nb, threads, min_chunk=max(1, 2048 // max(1, k)))
    return out


def decide(batch: NetworkBatch, criteria: Sequence[str] = CRITERIA, *, entropy_max_period: int = 6,
           window: float | None = None, node_budget: int = DEFAULT_NODE_BUDGET) -> Verdicts:
    """Decide the criteria for every network of ``batch``; exact verdicts equal the exact engine's.

    * ``criteria``: any of ``period_2``, ``period_3``, ``positive_entropy``,
      ``reference_test`` (see the module docstring for the definitions).
    * ``entropy_max_period`` N (3 .. ``periodic.MAX_PERIOD``): positive_entropy means a
      minimal period p <= N that is not a power of 2, i.e. ``periodic_orbits(f, N).positive_entropy``.
    * ``window`` (> 0): half-width of the reference test's grid; default 2 for a batch of
      preset ``paper_a``, 1 for other presets, required for batches not drawn from a preset.
    * ``node_budget``: itinerary nodes per network and period before the exact engine takes over.

    Networks the float filter cannot decide are sent to
    :func:`~rnnchaos.exact.periodic.periodic_orbits` (``Verdicts.exact_fallback``).  Exact criteria
    of networks with tanh or sigmoid units come from the certified engine (undecided ones
    in ``Verdicts.undecided``).  Bad arguments raise
    :class:`~rnnchaos.errors.SpecError` naming the field.

    >>> from rnnchaos.networks.batch import sample_preset_batch
    >>> from rnnchaos.exact.periodic import periodic_orbits
    >>> batch = sample_preset_batch("paper_he", 1, 0, 100)
    >>> v = decide(batch, ("period_2", "period_3"))
    >>> all(v["period_2"][i] == (2 in periodic_orbits(batch.network(i), 2).periods)
    ...     for i in range(100))
    True
    """
    if not isinstance(batch, NetworkBatch):
        raise SpecError("batch", f"expected a NetworkBatch, got {type(batch).__name__}")
    criteria = _check_criteria(criteria)
    n_max = _check_entropy_period(entropy_max_period)
    window = _check_window(window, batch, "reference_test" in criteria)
    if isinstance(node_budget, bool) or not isinstance(node_budget, Integral) or node_budget < 1:
        raise SpecError("node_budget", f"must be an integer >= 1, got {node_budget!r}")
    nb = len(batch)
    arrays: dict[str, np.ndarray | None] = {}
    fallback = np.zeros(nb, dtype=bool)
    undecided_by: dict[str, np.ndarray] = {}
    exact = [c for c in criteria if c in EXACT_CRITERIA]
    if exact:
        if not batch.is_piecewise_linear:  # tanh / sigmoid: interval kernel + ball engine
            from ..certified.batch import decide_smooth
            codes_smooth = decide_smooth(batch, exact, entropy_max_period=n_max)
            for c in exact:
                arrays[c] = codes_smooth[c] == 1
                undecided_by[c] = codes_smooth[c] == -1
        else:
            need3 = "period_3" in exact
            needE = "positive_entropy" in exact
            codes = fast_verdicts(batch, need_period_3=need3, need_entropy=needE,
                                  entropy_max_period=n_max, node_budget=node_budget)
            if codes is None:
                codes = np.full((nb, 3), UNKNOWN, dtype=np.int8)
            cols = {"period_2": 0, "period_3": 1, "positive_entropy": 2}
            undecided = np.zeros(nb, dtype=bool)
            for c in exact:
                undecided |= codes[:, cols[c]] == UNKNOWN
            fallback = undecided
            period = n_max if needE else (3 if need3 else 2)
            for i in np.flatnonzero(undecided):
                rep = periodic_orbits(batch.network(int(i)), period)
                periods = rep.periods
                codes[i, 0] = 2 in periods
                codes[i, 1] = 3 in periods
                codes[i, 2] = rep.positive_entropy
            for c in exact:
                arrays[c] = codes[:, cols[c]] == YES
    if "reference_test" in criteria:
        from .reference import reference_test
        arrays["reference_test"] = reference_test(batch, window)
    ordered = {c: arrays[c] for c in criteria}
    undecided = {c: undecided_by.get(c, np.zeros(nb, dtype=bool)) for c in criteria}
    return Verdicts(criteria, ordered, fallback, n_max, window, undecided)


__all__ = ["CRITERIA", "Verdicts", "decide", "fast_verdicts", "sharkovsky_weakest_non_power_of_two"]
