"""Linear regions (pieces) and laps of the iterates f^t of a piecewise-linear scalar map, exact.

A piece is a maximal interval on which f^t is affine; a lap is a maximal interval on which f^t is
monotone (Misiurewicz-Szlenk).  Counts come from exact compositions (:mod:`rnnchaos.exact.pl`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from flint import fmpq

from .._lib.validation import check_int, parse_number
from ..errors import ResourceLimitError, SpecError
from .pl import PiecewiseLinear

#: Default limit on linear pieces of one composed map.
DEFAULT_MAX_PIECES = 500_000
#: Largest accepted number of steps.
MAX_STEPS = 64


def as_pl(f) -> PiecewiseLinear:
    """The exact PiecewiseLinear form of a ScalarRNN (a PiecewiseLinear is returned as is).

    >>> as_pl(PiecewiseLinear.affine(2, 0)).slopes
    [2, 2]
    """
    return f if isinstance(f, PiecewiseLinear) else PiecewiseLinear.from_network(f)


def parse_rational(value: Any, field_name: str) -> fmpq:
    """An exact rational from a number or a string ('0.175421', '-2/7', '1e-7'); SpecError if not.

    Strings are read as exact decimals, not as the nearest double, by the one user-number
    parser (:func:`rnnchaos._lib.validation.parse_number`, with its digit and exponent bounds).

    >>> parse_rational("0.1", "x0"), parse_rational("-1/3", "x0")
    (1/10, -1/3)
    """
    if isinstance(value, fmpq):
        return value
    frac = parse_number(value, field_name)
    return fmpq(frac.numerator, frac.denominator)


def resolve_interval(f: PiecewiseLinear, interval) -> tuple[fmpq, fmpq]:
    """``interval`` as exact ``(lo, hi)`` with ``lo < hi``; None: f's invariant interval.

    Raises SpecError('interval') when it is empty or when no invariant interval exists.

    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> resolve_interval(tent, None)
    (0, 1)
    """
    if interval is None:
        from .invariant import invariant_interval
        inv = invariant_interval(f)
        if not inv.exists:
            raise SpecError("interval", f"f has no bounded invariant interval ({inv.reason}); "
                            "give the interval explicitly (--interval LO HI)")
        if inv.lo == inv.hi:
            raise SpecError("interval", f"the invariant interval of f is the single point "
                            f"{inv.lo}; give an interval explicitly (--interval LO HI)")
        return inv.lo, inv.hi
    try:
        lo, hi = interval
    except (TypeError, ValueError):
        raise SpecError("interval", f"expected two numbers LO HI, got {interval!r}") from None
    lo, hi = parse_rational(lo, "interval.lo"), parse_rational(hi, "interval.hi")
    if not lo < hi:
        raise SpecError("interval", f"need LO < HI, got [{lo}, {hi}]")
    return lo, hi


def check_steps(steps: Any, field_name: str = "steps") -> int:
    """Validate a number of steps / layers T (1..MAX_STEPS) or raise SpecError naming the field.

    >>> check_steps(6)
    6
    """
    return check_int(steps, field_name, 1, MAX_STEPS)


@dataclass
class RegionCounts:
    """Exact ``pieces[t-1]`` and ``laps[t-1]`` of the t-step map on ``interval``, t = 1..T.

    ``kind`` is ``rnn`` (f^t) or ``feedforward`` (f_t o ... o f_1).

    >>> rc = region_counts(PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2]), 2, (0, 1))
    >>> rc.steps, rc.to_json()["laps"]
    (2, [2, 4])
    """

    kind: str
    interval: tuple[fmpq, fmpq]
    pieces: list[int]
    laps: list[int]

    @property
    def steps(self) -> int:
        """T, the number of steps counted."""
        return len(self.laps)

    def to_json(self) -> dict[str, Any]:
        """JSON-able dict with ``pieces`` and ``laps`` (exact integers, t = 1..T)."""
        return {"kind": self.kind, "interval": [str(self.interval[0]), str(self.interval[1])],
                "steps": self.steps, "pieces": self.pieces, "laps": self.laps}


def region_and_lap_counts(maps: Sequence[PiecewiseLinear], lo: fmpq, hi: fmpq, kind: str,
            max_pieces: int) -> RegionCounts:
    """Counts for the successive compositions of ``maps`` on [lo, hi].

    phi_0 = clip_[lo,hi] (identity on the interval, constant outside), phi_t =
    maps[t-1] o phi_{t-1}: phi_t agrees with the t-step map on [lo, hi] and is
    constant outside, so no work is spent outside the interval.
    """
    phi = PiecewiseLinear.clip(lo, hi)
    pieces, laps = [], []
    for t, m in enumerate(maps, start=1):
        try:
            phi = m.compose(phi, max_pieces)
        except ResourceLimitError as exc:
            raise ResourceLimitError(f"step {t}: {exc}; lower the number of steps, narrow the "
                                     "interval or raise max_pieces") from None
        pieces.append(phi.num_pieces(lo, hi))
        laps.append(phi.num_laps(lo, hi))
    return RegionCounts(kind, (lo, hi), pieces, laps)


def region_counts(f, steps: int, interval=None, *, max_pieces: int = DEFAULT_MAX_PIECES
                  ) -> RegionCounts:
    """Exact pieces and laps of ``f^t`` on ``interval`` for t = 1..steps (an RNN unrolled).

    ``interval`` is ``(lo, hi)`` (numbers or exact strings) or None for the
    invariant interval of f.

    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> region_counts(tent, 4, (0, 1)).laps
    [2, 4, 8, 16]
    """
    steps = check_steps(steps)
    f = as_pl(f)
    lo, hi = resolve_interval(f, interval)
    return region_and_lap_counts([f] * steps, lo, hi, "rnn", max_pieces)


def stack_region_counts(layers: Sequence, interval, *, max_pieces: int = DEFAULT_MAX_PIECES
                        ) -> RegionCounts:
    """Exact pieces and laps of ``F_t = f_t o ... o f_1`` on ``interval``, t = 1..len(layers).

    ``layers`` are scalar maps (ScalarRNN or PiecewiseLinear), applied first to last.

    >>> tent = PiecewiseLinear.from_breaks([0, "1/2"], [0, 2, -2], [0, 0, 2])
    >>> half = PiecewiseLinear.affine("1/2", 0)
    >>> stack_region_counts([tent, half, tent], (0, 1)).laps
    [2, 2, 2]
    """
    if not layers:
        raise SpecError("layers", "need at least one layer")
    check_steps(len(layers), "layers")
    maps = [as_pl(m) for m in layers]
    lo, hi = resolve_interval(maps[0], interval) if interval is not None else (None, None)
    if lo is None:
        raise SpecError("interval", "a feedforward stack needs an explicit interval")
    return region_and_lap_counts(maps, lo, hi, "feedforward", max_pieces)
