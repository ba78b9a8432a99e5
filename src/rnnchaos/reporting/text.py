"""Readable text summaries of analysis results (the CLI prints these)."""
from __future__ import annotations

from ..exact.periodic import PeriodicReport
from ..exact.pl import rational_str

MAX_ORBITS_SHOWN = 12


def _approx(x) -> str:
    return "-inf" if x is None else f"{float(x):.6g}"


def _fmt_orbit(orbit) -> str:
    if orbit.components:
        parts = []
        for c in orbit.components:
            left = "(" if c.lo_open or c.lo is None else "["
            right = ")" if c.hi_open or c.hi is None else "]"
            parts.append(f"{left}{rational_str(c.lo, '-inf')}, {rational_str(c.hi, 'inf')}{right}")
        return "continuum " + " -> ".join(parts)
    exact = ", ".join(str(x) for x in orbit.points)
    if max(len(str(x)) for x in orbit.points) > 24:
        return "{" + ", ".join(_approx(x) for x in orbit.points) + "}  (approx.; exact in --json)"
    return "{" + exact + "}  ~ {" + ", ".join(_approx(x) for x in orbit.points) + "}"


def periodic_summary(rep: PeriodicReport, title: str = "f") -> str:
    """A human-readable summary of a :class:`PeriodicReport`."""
    inv = rep.invariant
    lines = [f"{title}: {rep.pieces} linear pieces, {rep.laps} monotone laps on R"]
    if inv.exists:
        kind = "forward invariant" if inv.forward_invariant else "holds every periodic orbit; not forward invariant"
        lines.append(f"  invariant interval: [{_approx(inv.lo)}, {_approx(inv.hi)}] ({kind})")
    else:
        lines.append(f"  invariant interval: none ({inv.reason})")
    periods = ", ".join(map(str, rep.periods)) or "none"
    lines.append(f"  periods <= {rep.max_period} on the whole line: {periods}")
    if rep.sharkovsky_first is not None:
        lines.append(f"  strongest period in Sharkovsky's order: {rep.sharkovsky_first}")
    if rep.period_3:
        a = rep.li_yorke_certificate
        lines.append(f"  period 3: YES -> Li-Yorke chaotic. Certificate a = {a} (~{_approx(a)}): "
                     "f^3(a) <= a < f(a) < f^2(a) or the reverse, exact")
    else:
        lines.append("  period 3: no")
    if rep.positive_entropy:
        odd = min((p for p in rep.periods if p & (p - 1)), key=lambda p: p)
        lines.append(f"  positive topological entropy: YES (period {odd} is not a power of 2)")
    else:
        lines.append(f"  positive topological entropy: not shown (only powers of 2 up to {rep.max_period})")
    lines.append(f"  orbits: {len(rep.orbits)}")
    for orbit in rep.orbits[:MAX_ORBITS_SHOWN]:
        lines.append(f"    period {orbit.period}: {_fmt_orbit(orbit)}")
    if len(rep.orbits) > MAX_ORBITS_SHOWN:
        lines.append(f"    ... {len(rep.orbits) - MAX_ORBITS_SHOWN} more (use --json)")
    return "\n".join(lines)
