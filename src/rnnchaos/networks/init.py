"""Initialization schemes: a registry, a parser, and a network sampler.

Conventions (read these before comparing with other libraries)
--------------------------------------------------------------
* Weights have the torch shape ``(out_features, in_features)``; for a weight,
  ``fan_in = in_features`` and ``fan_out = out_features``.
* A bias of shape ``(out_features,)`` is drawn with the ``fan_in`` and
  ``fan_out`` **of its layer's weight** (so a He bias of the first layer of a
  ``1 -> k`` network has std ``sqrt(2/1)``).
* Every number called ``std`` is a **standard deviation**, never a variance.
  He normal has variance ``2/fan_in``, i.e. std ``sqrt(2/fan_in)``.
* ``gain`` (finite, > 0) multiplies the std, the half-width or the scale of
  every scheme (``zeros`` stays zero); a ``normal`` mean is not scaled.
* Every scheme has a vectorized sampler, :meth:`Scheme.stack_sampler`: ``count``
  draws of one shape with whole-array calls, consuming the generator exactly
  as ``count`` consecutive single draws.  The block seeding contract of
  :mod:`rnnchaos.networks.presets` is built on it.

A scheme is a function ``(rng, shape, fan_in, fan_out, gain, **params)``
returning a float64 array; ``rng`` is a :class:`numpy.random.Generator`.
Each random scheme consumes a fixed number of draws per entry (one standard
normal or one uniform double), in C order of ``shape``; ``ones`` and ``zeros``
consume nothing.  So a sampled network is a fixed function of the generator
state, documented in :func:`sample_network`.

Text form (:func:`parse_scheme`)::

    he_normal   normal(std=0.5)   normal(0.5)   uniform(-1, 1)
    truncated_normal(std=1, a=-1, b=1)

Positional arguments follow the parameter order of each scheme (``normal``:
std, mean; ``uniform``: a, b; ``truncated_normal``: std, a, b).
"""
from __future__ import annotations

import inspect
import math
import re
from numbers import Integral
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import numpy as np

from ..errors import SpecError
from .model import Activation, Layer, Network, ScalarRNN, finite_number

# --- validation helpers --------------------------------------------------------


def _real(field: str, value: Any) -> float:
    """A finite float, or a SpecError naming ``field`` and the value."""
    return finite_number(value, field)


def _positive(field: str, value: Any) -> float:
    out = _real(field, value)
    if not out > 0:
        raise SpecError(field, f"must be finite and > 0, got {value!r}")
    return out


def _count(field: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise SpecError(field, f"must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _interval(field: str, a: Any, b: Any) -> tuple[float, float]:
    a, b = _real(f"{field}.a", a), _real(f"{field}.b", b)
    if not a < b:
        raise SpecError(f"{field}.b", f"must be > a, got a={a!r}, b={b!r}")
    return a, b


def _common(name: str, rng: Any, shape: Any, gain: Any) -> tuple[tuple[int, ...], float]:
    """Check the arguments every scheme shares; return (shape, gain)."""
    if not isinstance(rng, np.random.Generator):
        raise SpecError("rng", f"{name} needs a numpy.random.Generator, got {type(rng).__name__}")
    if isinstance(shape, Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, tuple) or not shape:
        raise SpecError("shape", f"expected a non-empty tuple of sizes, got {shape!r}")
    shape = tuple(_count("shape", s, 0) for s in shape)
    return shape, _positive("gain", gain)


# --- the schemes ----------------------------------------------------------------


def _scaled_normal(rng, shape, scale: float) -> np.ndarray:
    """``rng.standard_normal(shape) * scale``, scaled in place (the array is fresh)."""
    z = rng.standard_normal(shape)
    z *= scale
    return z


def _normal_scale(name: str, fan_in: int, fan_out: int, gain: float,
                  params: Mapping[str, float]) -> tuple[float, float | None]:
    """(scale, mean) of a normal-family scheme: its draw is ``standard_normal * scale``, then
    ``+ mean`` for ``normal`` (mean None for the others).  The one formula of each std,
    shared by the draws and their in-place twins (:func:`_fill_normal`)."""
    if name == "he_normal":
        return gain * math.sqrt(2.0 / fan_in), None
    if name == "glorot_normal":
        return gain * math.sqrt(2.0 / (fan_in + fan_out)), None
    if name == "lecun_normal":
        return gain * math.sqrt(1.0 / fan_in), None
    return gain * params["std"], params["mean"]  # normal


#: Schemes whose stacked draw can be written straight into a given array (_fill_normal).
_NORMAL_FAMILY = ("he_normal", "glorot_normal", "lecun_normal", "normal")


def _fill_normal(rng, out: np.ndarray, scale: float, mean: float | None) -> np.ndarray:
    """The draw of a normal-family scheme written into the C-contiguous ``out``: the same
    generator calls and the same float operations as :func:`_scaled_normal` (+ mean), so
    the same values, without a temporary array and its copy."""
    rng.standard_normal(out=out)
    out *= scale
    if mean is not None:
        out += mean
    return out


def he_normal(rng, shape, fan_in, fan_out, gain=1.0):
    """He (Kaiming) normal: N(0, s^2) with std s = gain * sqrt(2 / fan_in).

    The variance is 2/fan_in (fan_in convention, fan_out unused).

    >>> float(he_normal(np.random.default_rng(0), (1, 1), 2, 1, 1.0)[0, 0]) == \\
    ...     float(np.random.default_rng(0).standard_normal())
    True
    """
    shape, gain = _common("he_normal", rng, shape, gain)
    return _draw_he_normal(rng, shape, _count("fan_in", fan_in), fan_out, gain)


def _draw_he_normal(rng, shape, fan_in, fan_out, gain):
    return _scaled_normal(rng, shape, _normal_scale("he_normal", fan_in, fan_out, gain, {})[0])


def he_uniform(rng, shape, fan_in, fan_out, gain=1.0):
    """He (Kaiming) uniform: U(-a, a) with a = gain * sqrt(6 / fan_in).

    Fan_in convention; the std is a/sqrt(3) = gain * sqrt(2 / fan_in).

    >>> bool(np.all(np.abs(he_uniform(np.random.default_rng(0), (50,), 6, 1)) < 1.0))
    True
    """
    shape, gain = _common("he_uniform", rng, shape, gain)
    return _draw_he_uniform(rng, shape, _count("fan_in", fan_in), fan_out, gain)


def _draw_he_uniform(rng, shape, fan_in, fan_out, gain):
    a = gain * math.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, shape)


def glorot_normal(rng, shape, fan_in, fan_out, gain=1.0):
    """Glorot (Xavier) normal: std s = gain * sqrt(2 / (fan_in + fan_out)).

    Uses both fans; the variance is 2/(fan_in + fan_out).

    >>> glorot_normal(np.random.default_rng(0), (3, 1), 1, 3).shape
    (3, 1)
    """
    shape, gain = _common("glorot_normal", rng, shape, gain)
    return _draw_glorot_normal(rng, shape, _count("fan_in", fan_in), _count("fan_out", fan_out), gain)


def _draw_glorot_normal(rng, shape, fan_in, fan_out, gain):
    return _scaled_normal(rng, shape, _normal_scale("glorot_normal", fan_in, fan_out, gain, {})[0])


def glorot_uniform(rng, shape, fan_in, fan_out, gain=1.0):
    """Glorot (Xavier) uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).

    Uses both fans; the std is a/sqrt(3) = gain * sqrt(2 / (fan_in + fan_out)).

    >>> bool(np.all(np.abs(glorot_uniform(np.random.default_rng(0), (9,), 1, 2)) < 2**0.5))
    True
    """
    shape, gain = _common("glorot_uniform", rng, shape, gain)
    return _draw_glorot_uniform(rng, shape, _count("fan_in", fan_in), _count("fan_out", fan_out), gain)


def _draw_glorot_uniform(rng, shape, fan_in, fan_out, gain):
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, shape)


def lecun_normal(rng, shape, fan_in, fan_out, gain=1.0):
    """LeCun normal: std s = gain * sqrt(1 / fan_in) (variance 1/fan_in; fan_in convention).

    >>> lecun_normal(np.random.default_rng(0), (2, 4), 4, 2).shape
    (2, 4)
    """
    shape, gain = _common("lecun_normal", rng, shape, gain)
    return _draw_lecun_normal(rng, shape, _count("fan_in", fan_in), fan_out, gain)


def _draw_lecun_normal(rng, shape, fan_in, fan_out, gain):
    return _scaled_normal(rng, shape, _normal_scale("lecun_normal", fan_in, fan_out, gain, {})[0])


def normal(rng, shape, fan_in, fan_out, gain=1.0, *, std=1.0, mean=0.0):
    """N(mean, (gain*std)^2): ``std`` is a standard deviation; the fans are unused.

    The mean is not multiplied by gain.

    >>> normal(np.random.default_rng(0), (2,), 1, 1, std=0.5).shape
    (2,)
    """
    shape, gain = _common("normal", rng, shape, gain)
    std, mean = _positive("normal.std", std), _real("normal.mean", mean)
    return _draw_normal(rng, shape, fan_in, fan_out, gain, std=std, mean=mean)


def _draw_normal(rng, shape, fan_in, fan_out, gain, *, std, mean):
    scale, mean = _normal_scale("normal", fan_in, fan_out, gain, {"std": std, "mean": mean})
    z = _scaled_normal(rng, shape, scale)
    z += mean
    return z


def uniform(rng, shape, fan_in, fan_out, gain=1.0, *, a=0.0, b=1.0):
    """gain * U[a, b): half-open uniform on [a, b) scaled by gain; fans unused.

    The std is gain * (b - a) / sqrt(12).

    >>> bool(np.all(uniform(np.random.default_rng(0), (20,), 1, 1, a=-1, b=1) < 1))
    True
    """
    shape, gain = _common("uniform", rng, shape, gain)
    a, b = _interval("uniform", a, b)
    return _draw_uniform(rng, shape, fan_in, fan_out, gain, a=a, b=b)


def _draw_uniform(rng, shape, fan_in, fan_out, gain, *, a, b):
    return gain * rng.uniform(a, b, shape)


def truncated_normal(rng, shape, fan_in, fan_out, gain=1.0, *, std=1.0, a=-2.0, b=2.0):
    """gain * X with X ~ N(0, std^2) conditioned on a <= X <= b; fans unused.

    ``std`` is the standard deviation of the normal *before* truncation, and
    ``a``, ``b`` are absolute bounds (not multiples of std), so the support is
    [gain*a, gain*b].  Exact inverse-CDF sampling: one uniform draw per entry.

    >>> x = truncated_normal(np.random.default_rng(0), (100,), 1, 1, std=1, a=-1, b=1)
    >>> bool(np.all(np.abs(x) <= 1))
    True
    """
    shape, gain = _common("truncated_normal", rng, shape, gain)
    std = _positive("truncated_normal.std", std)
    a, b = _interval("truncated_normal", a, b)
    return _draw_truncated_normal(rng, shape, fan_in, fan_out, gain, std=std, a=a, b=b)


def _draw_truncated_normal(rng, shape, fan_in, fan_out, gain, *, std, a, b):
    lo, hi = a / std, b / std
    from scipy.special import ndtr, ndtri  # here: scipy.special costs start-up time

    flip = lo > 0  # work in the lower tail, where ndtr keeps its relative accuracy
    if flip:
        lo, hi = -hi, -lo
    p_lo, p_hi = float(ndtr(lo)), float(ndtr(hi))
    if not p_hi > p_lo:
        raise SpecError("truncated_normal", f"[a, b] = [{a!r}, {b!r}] has no probability "
                        f"mass in double precision under std {std!r}")
    z = ndtri(p_lo + rng.random(shape) * (p_hi - p_lo))
    z = -z if flip else z
    return gain * np.clip(std * z, a, b)


def ones(rng, shape, fan_in, fan_out, gain=1.0):
    """All entries equal to gain (draws nothing from rng); fans unused.

    >>> ones(np.random.default_rng(0), (2,), 1, 1, gain=2.0).tolist()
    [2.0, 2.0]
    """
    shape, gain = _common("ones", rng, shape, gain)
    return _draw_ones(rng, shape, fan_in, fan_out, gain)


def _draw_ones(rng, shape, fan_in, fan_out, gain):
    return np.full(shape, gain, dtype=np.float64)


def zeros(rng, shape, fan_in, fan_out, gain=1.0):
    """All entries exactly 0.0 (draws nothing from rng; gain only validated; fans unused).

    >>> zeros(np.random.default_rng(0), (2,), 1, 1).tolist()
    [0.0, 0.0]
    """
    shape, gain = _common("zeros", rng, shape, gain)
    return _draw_zeros(rng, shape, fan_in, fan_out, gain)


def _draw_zeros(rng, shape, fan_in, fan_out, gain):
    return np.zeros(shape, dtype=np.float64)


def orthogonal(rng, shape, fan_in, fan_out, gain=1.0):
    """gain * Q, Q with orthonormal rows or columns (QR of a Gaussian, sign-fixed).

    For a 2-d ``(rows, cols)`` shape, draws a standard normal matrix of that
    shape (C order), transposes it when rows < cols, takes Q of its QR
    factorization with the signs of diag(R) made positive (so Q is Haar
    distributed) and transposes back.  Fans unused; biases (1-d) are refused.

    >>> q = orthogonal(np.random.default_rng(0), (3, 2), 2, 3)
    >>> bool(np.allclose(q.T @ q, np.eye(2)))
    True
    """
    shape, gain = _common("orthogonal", rng, shape, gain)
    if len(shape) != 2 or 0 in shape:
        raise SpecError("orthogonal", f"needs a 2-d weight shape with positive sizes, got {shape}")
    return _draw_orthogonal(rng, shape, fan_in, fan_out, gain)


def _draw_orthogonal(rng, shape, fan_in, fan_out, gain):
    """Stacked orthogonal matrices, shape (..., rows, cols): one standard normal array
    of that shape in C order (matrix j uses the draws right after matrix j-1's), then
    one stacked QR with the signs of diag(R) made positive."""
    rows, cols = shape[-2:]
    flat = rng.standard_normal(shape)
    if rows < cols:
        flat = np.swapaxes(flat, -1, -2)
    q, r = np.linalg.qr(flat)
    q = q * np.where(np.diagonal(r, axis1=-2, axis2=-1) < 0, -1.0, 1.0)[..., None, :]
    return gain * (np.swapaxes(q, -1, -2) if rows < cols else q)


#: Scheme name -> function ``(rng, shape, fan_in, fan_out, gain, **params)``.
SCHEMES: dict[str, Callable[..., np.ndarray]] = {
    f.__name__: f for f in (he_normal, he_uniform, glorot_normal, glorot_uniform, lecun_normal,
                            normal, uniform, truncated_normal, ones, zeros, orthogonal)
}


#: Scheme name -> the same draw without validation (trusted, already validated arguments).
_TRUSTED_DRAWS: dict[str, Callable[..., np.ndarray]] = {
    name: globals()[f"_draw_{name}"] for name in SCHEMES}


def get_scheme(name: str) -> Callable[..., np.ndarray]:
    """The scheme function registered under ``name``.

    >>> get_scheme("he_normal") is he_normal
    True
    """
    if not isinstance(name, str) or name not in SCHEMES:
        raise SpecError("init", f"unknown scheme {name!r}; choose one of {', '.join(sorted(SCHEMES))}")
    return SCHEMES[name]


def scheme_params(name: str) -> dict[str, float]:
    """The parameters of scheme ``name`` with their defaults, in positional order.

    >>> scheme_params("truncated_normal")
    {'std': 1.0, 'a': -2.0, 'b': 2.0}
    """
    sig = inspect.signature(get_scheme(name))
    return {p.name: p.default for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY}


# --- scheme values: (name, params) ----------------------------------------------


class Scheme(NamedTuple):
    """A scheme name with its full, validated parameters; ``str()`` gives its text form.

    >>> s = parse_scheme("normal(0.5)")
    >>> s.name, s.params, str(s)
    ('normal', {'std': 0.5, 'mean': 0.0}, 'normal(std=0.5, mean=0.0)')
    """

    name: str
    params: dict

    def __str__(self) -> str:
        if not self.params:
            return self.name
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"

    def draw(self, rng: np.random.Generator, shape, fan_in: int, fan_out: int,
             gain: float = 1.0) -> np.ndarray:
        """Draw an array of ``shape`` (see the module conventions for the fans)."""
        return get_scheme(self.name)(rng, shape, fan_in, fan_out, gain, **self.params)

    @property
    def draws_nothing(self) -> bool:
        """True for ``ones`` and ``zeros``, which consume no draws from the generator."""
        return self.name in ("ones", "zeros")

    def stack_sampler(self, shape, fan_in: int, fan_out: int,
                      gain: float = 1.0) -> Callable[[np.random.Generator, int], np.ndarray]:
        """The vectorized sampler of this scheme: ``sampler(rng, count)`` -> array (count, *shape).

        Arguments are validated once, here (as :meth:`draw` would); the sampler then
        draws ``count`` independent arrays of ``shape`` with whole-array calls and no
        per-call validation.  It consumes the generator exactly as ``count``
        consecutive :meth:`draw` calls (entries in C order of ``(count, *shape)``:
        draw j's entries right after draw j-1's), so a stack may also be drawn in
        consecutive pieces of rows.  For the normal-family schemes ``sampler.fill(rng, out)``
        writes the same values straight into a C-contiguous ``out`` of shape
        ``(count, *shape)`` (no temporary array); ``sampler.fill`` is None for the others.

        >>> s = parse_scheme("he_normal")
        >>> a = s.stack_sampler((2, 1), 1, 2)(np.random.default_rng(0), 3)
        >>> g = np.random.default_rng(0)
        >>> bool(np.array_equal(a, [s.draw(g, (2, 1), 1, 2) for _ in range(3)]))
        True
        """
        shape, gain = _common(self.name, np.random.default_rng(0), shape, gain)
        if self.name == "orthogonal" and (len(shape) != 2 or 0 in shape):
            raise SpecError("orthogonal", f"needs a 2-d weight shape with positive sizes, got {shape}")
        if self.name != "orthogonal":  # validates fans and parameters; draws nothing
            self.draw(np.random.default_rng(0), (0, *shape), fan_in, fan_out, gain)
        draw, params = _TRUSTED_DRAWS[self.name], self.params
        fan_in, fan_out, gain = int(fan_in), int(fan_out), float(gain)

        def sampler(rng: np.random.Generator, count: int) -> np.ndarray:
            return draw(rng, (count, *shape), fan_in, fan_out, gain, **params)
        sampler.fill = None  # type: ignore[attr-defined]
        if self.name in _NORMAL_FAMILY:
            scale, mean = _normal_scale(self.name, fan_in, fan_out, gain, params)

            def fill(rng: np.random.Generator, out: np.ndarray) -> np.ndarray:
                return _fill_normal(rng, out, scale, mean)
            sampler.fill = fill  # type: ignore[attr-defined]
        return sampler


def make_scheme(name: str, params: Mapping[str, Any] | None = None, field: str = "init") -> Scheme:
    """A validated :class:`Scheme`: defaults filled in, values checked.

    Errors name ``field.param`` and the value (std finite > 0, a < b, numbers finite).

    >>> str(make_scheme("uniform", {"a": -1}))
    'uniform(a=-1.0, b=1.0)'
    """
    if not isinstance(name, str) or name not in SCHEMES:
        raise SpecError(field, f"unknown scheme {name!r}; choose one of {', '.join(sorted(SCHEMES))}")
    if params is not None and not isinstance(params, Mapping):
        raise SpecError(field, f"parameters must be a mapping, got {params!r}")
    allowed = scheme_params(name)
    for key in params or {}:
        if key not in allowed:
            raise SpecError(f"{field}.{key}", f"unknown parameter of {name} "
                            f"(allowed: {', '.join(allowed) or 'none'})")
    out = {k: _real(f"{field}.{k}", (params or {}).get(k, d)) for k, d in allowed.items()}
    if "std" in out:
        _positive(f"{field}.std", out["std"])
    if "a" in out:
        _interval(field, out["a"], out["b"])
    return Scheme(name, out)


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_CALL = re.compile(rf"\s*({_NAME})\s*(?:\((.*)\))?\s*", re.DOTALL)
_ARG = re.compile(rf"\s*(?:({_NAME})\s*=\s*)?({_NUMBER})\s*")


def _parse_args(text: str, body: str, names: list[str], field: str) -> dict[str, float]:
    """Positional and keyword numbers of ``body`` mapped to parameter names."""
    out: dict[str, float] = {}
    keyword_seen = False
    parts = [] if not body.strip() else body.split(",")
    for i, part in enumerate(parts):
        m = _ARG.fullmatch(part)
        if not m:
            raise SpecError(field, f"malformed init scheme {text!r}: cannot read argument {part.strip()!r}")
        key = m.group(1)
        keyword_seen = keyword_seen or key is not None
        if key is None:
            if keyword_seen:
                raise SpecError(field, f"malformed init scheme {text!r}: positional argument after keyword")
            if i >= len(names):
                raise SpecError(field, f"malformed init scheme {text!r}: too many arguments "
                                f"(parameters: {', '.join(names) or 'none'})")
            key = names[i]
        if key in out:
            raise SpecError(field, f"malformed init scheme {text!r}: {key} given twice")
        out[key] = float(m.group(2))
    return out


def parse_scheme(text: str, field: str = "init") -> Scheme:
    """Parse ``name`` or ``name(args)`` into a validated :class:`Scheme` (no eval).

    Arguments are decimal numbers, positional (in :func:`scheme_params` order)
    or ``key=value``.  Malformed text raises SpecError(field, ...) quoting it.

    >>> str(parse_scheme("uniform(-1,1)"))
    'uniform(a=-1.0, b=1.0)'
    >>> parse_scheme("truncated_normal(std=1,a=-1,b=1)").params
    {'std': 1.0, 'a': -1.0, 'b': 1.0}
    """
    if not isinstance(text, str):
        raise SpecError(field, f"expected a scheme string, got {text!r}")
    m = _CALL.fullmatch(text)
    if not m:
        raise SpecError(field, f"malformed init scheme {text!r}: expected name or name(arg, ...)")
    name, body = m.group(1), m.group(2)
    if name not in SCHEMES:
        raise SpecError(field, f"unknown scheme {name!r} in {text!r}; choose one of {', '.join(sorted(SCHEMES))}")
    params = _parse_args(text, body or "", list(scheme_params(name)), field)
    try:
        return make_scheme(name, params, field)
    except SpecError as exc:
        raise SpecError(exc.field, f"{exc.problem} (in {text!r})") from None


def as_scheme(spec: Any, field: str = "init") -> Scheme:
    """A :class:`Scheme` from a string, a (name, params) tuple or a Scheme.

    >>> as_scheme(("normal", {"std": 2})).params["std"]
    2.0
    """
    if isinstance(spec, str):
        return parse_scheme(spec, field)
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
        return make_scheme(spec[0], spec[1], field)
    raise SpecError(field, f"expected a scheme string or a (name, params) tuple, got {spec!r}")


# --- sampling networks -------------------------------------------------------------


def as_generator(rng: Any) -> np.random.Generator:
    """A numpy Generator from a Generator, a non-negative int seed or a SeedSequence.

    >>> as_generator(3).random() == np.random.default_rng(3).random()
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise SpecError("rng", f"an integer seed must be >= 0, got {rng!r}")
        return np.random.default_rng(int(rng))
    raise SpecError("rng", "expected a numpy.random.Generator, a non-negative int seed or a "
                    f"numpy.random.SeedSequence, got {type(rng).__name__} {rng!r}")


def _per_layer(value: Any, n: int, field: str, convert: Callable[[Any, str], Any]) -> list:
    """One converted value per layer: a list must have n items; anything else is shared."""
    if isinstance(value, list):
        if len(value) != n:
            raise SpecError(field, f"expected one entry per layer ({n}), got {len(value)}")
        return [convert(v, f"{field}[{i}]") for i, v in enumerate(value)]
    return [convert(value, field)] * n


def _activation(value: Any, field: str) -> Activation:
    if isinstance(value, Activation):
        return value
    return Activation.from_spec(value, None, field)


def _widths(widths: Any) -> list[int]:
    if not isinstance(widths, (list, tuple)) or len(widths) < 2:
        raise SpecError("widths", f"expected a list of at least 2 layer sizes, got {widths!r}")
    return [_count(f"widths[{i}]", w) for i, w in enumerate(widths)]


def sample_layers(widths, activations, weight_init, bias_init, rng, gain=1.0) -> list[Layer]:
    """The :class:`Layer` list that :func:`sample_network` wraps (same arguments).

    >>> [l.weight.shape for l in sample_layers([1, 3, 1], ["relu", "identity"], "he_normal", "zeros", 0)]
    [(3, 1), (1, 3)]
    """
    widths = _widths(widths)
    n = len(widths) - 1
    if not isinstance(activations, (list, tuple)) or len(activations) != n:
        raise SpecError("activations", f"expected a list of {n} activations (one per layer), got {activations!r}")
    acts = [_activation(a, f"activations[{i}]") for i, a in enumerate(activations)]
    w_inits = _per_layer(weight_init, n, "weight_init", as_scheme)
    b_inits = _per_layer(bias_init, n, "bias_init", as_scheme)
    gains = _per_layer(gain, n, "gain", lambda g, f: _positive(f, g))
    rng = as_generator(rng)
    layers = []
    for i in range(n):
        fan_in, fan_out = widths[i], widths[i + 1]
        weight = w_inits[i].draw(rng, (fan_out, fan_in), fan_in, fan_out, gains[i])
        bias = b_inits[i].draw(rng, (fan_out,), fan_in, fan_out, gains[i])
        layers.append(Layer(weight, bias, acts[i]))
    return layers


def sample_network(widths: Sequence[int], activations: Sequence[Any], weight_init: Any,
                   bias_init: Any, rng: Any, gain: Any = 1.0, cls: type = ScalarRNN) -> Network:
    """Draw a random network ``cls(layers)`` with the given layer sizes and schemes.

    * ``widths``: sizes including input and output, e.g. ``[1, k, 1]`` (L = len-1 layers).
    * ``activations``: L activation names or :class:`Activation` objects.
    * ``weight_init`` / ``bias_init``: one scheme (a string such as
      ``"normal(std=0.5)"`` or a ``(name, params)`` tuple) shared by all layers,
      or a *list* of L schemes.  Biases use their layer's fan_in / fan_out.
    * ``gain``: a number, or a list of L numbers (one per layer).
    * ``rng``: a Generator, a non-negative int seed or a SeedSequence.

    Draw order (deterministic): for layer 0, 1, ..., L-1, the whole weight
    (shape (out, in), C order) and then the bias; ``ones``/``zeros`` draw nothing.

    >>> net = sample_network([1, 2, 1], ["relu", "identity"], "he_normal", "zeros", rng=0)
    >>> net == sample_network([1, 2, 1], ["relu", "identity"], "he_normal", "zeros", rng=0)
    True
    """
    if not isinstance(cls, type) or not issubclass(cls, Network):
        raise SpecError("cls", f"expected a subclass of Network, got {cls!r}")
    return cls(sample_layers(widths, activations, weight_init, bias_init, rng, gain))
