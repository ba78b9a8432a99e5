"""An independent exact oracle for periodic points of small scalar PL networks.

Deliberately simple and slow; it uses only :class:`fractions.Fraction` and the
raw network specification (the JSON dict), never ``rnnchaos.exact.pl``,
``rnnchaos.exact.periodic`` or ``rnnchaos.exact.invariant``.

Method ("itinerary enumeration"):

1. Linear pieces of f.  Layer by layer, the pre-activations of layer l are
   affine between consecutive *candidate breakpoints* collected from layers
   < l; on each such interval we evaluate the layer exactly at two points,
   get the affine form of every unit and solve for the activation kinks.  The
   final candidates cut R into closed intervals on which f is affine; adjacent
   intervals with the same affine map are merged, so the remaining cut points
   are exactly the kinks of f.
2. Fix(f^n).  Breadth first over itineraries j_0 .. j_{n-1}: the state is the
   closed interval J of the x whose first k iterates visit P_{j_0} .. P_{j_{k-1}}
   together with f^k(x) = A x + B on J.  Extending by piece j keeps
   {x in J : A x + B in P_j}; empty states are dropped.  At depth n we solve
   A x + B = x on J; when A = 1 and B = 0 all of J is fixed (a continuum).
3. Minimal periods: Per_n = Fix(f^n) minus Fix(f^d) for the proper divisors d.

Intervals are ``(lo, hi)`` closed, ``None`` for an infinite end.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable, Iterable, Optional

Num = Fraction
Interval = tuple  # (lo | None, hi | None), closed


def F(x) -> Fraction:
    """Exact Fraction of a float (its binary value), int, Fraction or 'p/q'/fmpq (via str)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, float)):
        return Fraction(x)
    return Fraction(str(x))


# --------------------------------------------------------------------------- network
class _Act:
    def __init__(self, name: str, params: dict):
        self.name = name
        if name == "identity":
            self.kinks: list[Fraction] = []
        elif name == "relu":
            self.kinks = [Fraction(0)]
        elif name == "leaky_relu":
            self.ns = F(float(params.get("negative_slope", 0.01)))
            self.kinks = [Fraction(0)]
        elif name == "hardtanh":
            self.lo = F(float(params.get("min_val", -1.0)))
            self.hi = F(float(params.get("max_val", 1.0)))
            assert self.lo < self.hi
            self.kinks = [self.lo, self.hi]
        else:
            raise ValueError(f"oracle does not support activation {name!r}")

    def __call__(self, z: Fraction) -> Fraction:
        if self.name == "identity":
            return z
        if self.name == "relu":
            return z if z > 0 else Fraction(0)
        if self.name == "leaky_relu":
            return z if z >= 0 else self.ns * z
        return min(max(z, self.lo), self.hi)


def _intervals(cuts: list) -> list[Interval]:
    """The closed intervals between sorted cut points (the first and last unbounded)."""
    if not cuts:
        return [(None, None)]
    out = [(None, cuts[0])]
    out += [(a, b) for a, b in zip(cuts, cuts[1:])]
    out.append((cuts[-1], None))
    return out


def _two_points(iv: Interval) -> tuple[Fraction, Fraction]:
    lo, hi = iv
    if lo is None and hi is None:
        return Fraction(0), Fraction(1)
    if lo is None:
        return hi - 1, hi
    if hi is None:
        return lo, lo + 1
    return lo, hi


def in_interval(x: Fraction, iv: Interval) -> bool:
    lo, hi = iv
    return (lo is None or x >= lo) and (hi is None or x <= hi)


def _intersect(a: Interval, b: Interval) -> Optional[Interval]:
    lo = a[0] if b[0] is None else b[0] if a[0] is None else max(a[0], b[0])
    hi = a[1] if b[1] is None else b[1] if a[1] is None else min(a[1], b[1])
    if lo is not None and hi is not None and lo > hi:
        return None
    return (lo, hi)


def _preimage(A: Fraction, B: Fraction, P: Interval) -> Optional[Interval]:
    """{x in R : A x + B in P} (closed interval), or None when empty."""
    plo, phi = P
    if A == 0:
        return (None, None) if in_interval(B, P) else None
    if A > 0:
        lo = None if plo is None else (plo - B) / A
        hi = None if phi is None else (phi - B) / A
    else:
        lo = None if phi is None else (phi - B) / A
        hi = None if plo is None else (plo - B) / A
    return (lo, hi)


def merge_closed(items: Iterable[Interval]) -> list[Interval]:
    """Union of closed intervals as sorted disjoint closed intervals (touching ones merged)."""
    def key(iv):
        return (0, 0) if iv[0] is None else (1, iv[0])
    out: list[list] = []
    for lo, hi in sorted(items, key=key):
        if out:
            plo, phi = out[-1]
            if phi is None or (lo is not None and lo <= phi):
                if phi is not None and (hi is None or hi > phi):
                    out[-1][1] = hi
                continue
        out.append([lo, hi])
    return [tuple(iv) for iv in out]


class OracleMap:
    """f: R -> R from a network spec dict, with exact pieces and periodic points."""

    def __init__(self, spec: dict):
        self.layers = []
        for layer in spec["layers"]:
            params = {k: v for k, v in layer.items() if k not in ("weight", "bias", "activation")}
            W = [[F(float(w)) for w in row] for row in layer["weight"]]
            b = [F(float(v)) for v in layer["bias"]]
            self.layers.append((W, b, _Act(layer.get("activation", "identity"), params)))
        assert len(self.layers[0][0][0]) == 1 and len(self.layers[-1][0]) == 1
        self._fix_cache: dict[int, list[Interval]] = {}
        self.pieces = self._compute_pieces()

    # ---- evaluation
    def _pre(self, x: Fraction, upto: int) -> list[Fraction]:
        """Pre-activations of layer ``upto`` at x."""
        h = [F(x)]
        for l, (W, b, act) in enumerate(self.layers):
            z = [sum((w * v for w, v in zip(row, h)), bi) for row, bi in zip(W, b)]
            if l == upto:
                return z
            h = [act(v) for v in z]
        raise IndexError(upto)

    def __call__(self, x) -> Fraction:
        h = [F(x)]
        for W, b, act in self.layers:
            h = [act(sum((w * v for w, v in zip(row, h)), bi)) for row, bi in zip(W, b)]
        return h[0]

    def iterate(self, x, n: int) -> Fraction:
        x = F(x)
        for _ in range(n):
            x = self(x)
        return x

    # ---- pieces
    def _compute_pieces(self):
        cuts: set[Fraction] = set()
        for l, (W, b, act) in enumerate(self.layers):
            if not act.kinks:
                continue
            new = set()
            for iv in _intervals(sorted(cuts)):
                p, q = _two_points(iv)
                zp, zq = self._pre(p, l), self._pre(q, l)
                for a, c in zip(zp, zq):
                    s = (c - a) / (q - p)
                    if s == 0:
                        continue
                    for k in act.kinks:
                        x = p + (k - a) / s
                        if in_interval(x, iv):
                            new.add(x)
            cuts |= new
        raw = []
        for iv in _intervals(sorted(cuts)):
            p, q = _two_points(iv)
            fp, fq = self(p), self(q)
            s = (fq - fp) / (q - p)
            raw.append([iv[0], iv[1], s, fp - s * p])
        merged = [raw[0]]
        for piece in raw[1:]:
            last = merged[-1]
            if piece[2] == last[2] and piece[3] == last[3]:
                last[1] = piece[1]
            else:
                merged.append(piece)
        return [tuple(p) for p in merged]  # (lo, hi, slope, intercept)

    @property
    def kinks(self) -> list[Fraction]:
        return [p[1] for p in self.pieces[:-1]]

    def range_on(self, lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
        vals = [self(lo), self(hi)] + [self(k) for k in self.kinks if lo < k < hi]
        return min(vals), max(vals)

    # ---- iterates
    def iterate_states(self, n: int) -> set:
        """States (J, A, B) after n steps: f^n(x) = A x + B on the closed interval J."""
        states = {((None, None), Fraction(1), Fraction(0))}
        for _ in range(n):
            nxt = set()
            for J, A, B in states:
                for lo, hi, s, c in self.pieces:
                    pre = _preimage(A, B, (lo, hi))
                    if pre is None:
                        continue
                    J2 = _intersect(J, pre)
                    if J2 is None:
                        continue
                    nxt.add((J2, s * A, s * B + c))
            states = nxt
        return states

    def iterate_pieces(self, n: int) -> list[tuple]:
        """Maximal affine pieces (lo, hi, A, B) of f^n, left to right (kinks between them)."""
        states = [st for st in self.iterate_states(n)
                  if st[0][0] is None or st[0][1] is None or st[0][0] < st[0][1]]
        states.sort(key=lambda st: (0, 0) if st[0][0] is None else (1, st[0][0]))
        out: list[list] = []
        for J, A, B in states:
            if out:
                assert out[-1][1] == J[0], "states must tile the line"
                if (out[-1][2], out[-1][3]) == (A, B):
                    out[-1][1] = J[1]
                    continue
            out.append([J[0], J[1], A, B])
        assert out[0][0] is None and out[-1][1] is None
        return [tuple(p) for p in out]

    def iterate_kinks(self, n: int) -> list[Fraction]:
        """Exact kinks of f^n."""
        return [p[1] for p in self.iterate_pieces(n)[:-1]]

    def laps(self, n: int, lo=None, hi=None) -> int:
        """Monotone laps of f^n on the open window (lo, hi) (None: unbounded side);
        constant pieces join either neighbour."""
        laps, last = 1, 0
        for plo, phi, A, _ in self.iterate_pieces(n):
            if (hi is not None and plo is not None and plo >= hi) or (
                    lo is not None and phi is not None and phi <= lo):
                continue  # no overlap with the open window
            s = sign(A)
            if s == 0:
                continue
            if last and s != last:
                laps += 1
            last = s
        return laps

    def fixed_set(self, n: int) -> list[Interval]:
        """Fix(f^n) as sorted disjoint closed intervals (points are (x, x))."""
        if n not in self._fix_cache:
            found = []
            for J, A, B in self.iterate_states(n):
                if A == 1:
                    if B == 0:
                        found.append(J)
                    continue
                x = B / (1 - A)
                if in_interval(x, J):
                    found.append((x, x))
            self._fix_cache[n] = merge_closed(found)
        return self._fix_cache[n]

    # ---- minimal periods
    def in_fix(self, x: Fraction, n: int) -> bool:
        return any(in_interval(x, iv) for iv in self.fixed_set(n))

    def in_per(self, x: Fraction, n: int) -> bool:
        """x has minimal period exactly n (membership in Per_n)."""
        return self.in_fix(x, n) and not any(self.in_fix(x, d) for d in range(1, n) if n % d == 0)

    def per_endpoints(self, n: int) -> set:
        out = set()
        for d in range(1, n + 1):
            if n % d == 0:
                for lo, hi in self.fixed_set(d):
                    out.update(v for v in (lo, hi) if v is not None)
        return out

    def per_nonempty(self, n: int) -> bool:
        return any(self.in_per(x, n) for x in sample_points(self.per_endpoints(n)))

    def periods(self, N: int) -> set:
        return {n for n in range(1, N + 1) if self.per_nonempty(n)}

    def isolated_points(self, n: int) -> list[Fraction]:
        """Points of minimal period n that are isolated in Fix(f^n)."""
        return [lo for lo, hi in self.fixed_set(n)
                if lo is not None and lo == hi and self.iterate_min_period(lo, n) == n]

    def continua(self, n: int) -> list[Interval]:
        """The non-degenerate components of Fix(f^n)."""
        return [iv for iv in self.fixed_set(n) if not (iv[0] is not None and iv[0] == iv[1])]

    def iterate_min_period(self, x, n: int) -> Optional[int]:
        y = F(x)
        x = y
        for p in range(1, n + 1):
            y = self(y)
            if y == x:
                return p
        return None

    def all_periodic_bounds(self, N: int) -> tuple:
        """(min, max) over all periodic points of period <= N (None ends if unbounded); None if none."""
        ivs = [iv for n in range(1, N + 1) for iv in self.fixed_set(n)]
        if not ivs:
            return None
        lo = None if any(iv[0] is None for iv in ivs) else min(iv[0] for iv in ivs)
        hi = None if any(iv[1] is None for iv in ivs) else max(iv[1] for iv in ivs)
        return lo, hi


# --------------------------------------------------------------------------- sets of reals
def sample_points(endpoints: Iterable[Fraction]) -> list[Fraction]:
    """Points that decide a finite union of intervals with the given endpoints:
    the endpoints, one point inside each gap and one on each unbounded side."""
    e = sorted(set(endpoints))
    if not e:
        return [Fraction(0)]
    pts = [e[0] - 1, e[-1] + 1] + e
    pts += [(a + b) / 2 for a, b in zip(e, e[1:])]
    return pts


def same_set(member_a: Callable, member_b: Callable, endpoints: Iterable[Fraction]):
    """None when the two finite unions of intervals (all ends among ``endpoints``) agree,
    else a point where they differ."""
    for x in sample_points(endpoints):
        if member_a(x) != member_b(x):
            return x
    return None


def sign(v: Fraction) -> int:
    return (v > 0) - (v < 0)
