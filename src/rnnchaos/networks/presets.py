"""The paper's random networks as presets, in two flavours, with a seeding contract.

Networks (weights in torch shape (out, in); k = ``width``)
----------------------------------------------------------
* **A** (``paper_a``): f(x) = W2 act(W1 x + b1), no output bias (the bias is
  exactly 0.0 and draws nothing), identity output.  The paper uses act = relu.
* **B** (the ``paper_row1`` .. ``paper_glorot`` rows):
  f(x) = out_act(clip?(W2 act(W1 x + b1) + b2)), act in {relu, tanh}; the
  output activation is act, except ``paper_row1`` whose output is identity.
* ``depth=3`` inserts one more hidden k x k layer (network C) after layer 1;
  ``clip=True`` clips the output pre-activation to [0, 1].

How layers are represented (every layer is act(W x + b) with one activation):
the clipped output layer gets activation hardtanh(min_val=0, max_val=1).
For a relu or identity output nothing else is needed (relu(clip(z)) ==
clip(z)); for a tanh output one fixed 1 x 1 layer is appended: weight
[[1.0]], bias [0.0], activation tanh (it draws nothing and ignores gain).

What each preset draws (scheme strings of :mod:`rnnchaos.networks.init`; every std is a
standard deviation; biases use their layer's fan_in / fan_out)::

  preset          flavour      layer 1 (1->k) w | b                 hidden k->k (depth 3) w | b        output (k->1) w | b            out act
  paper_a         as_coded     normal(std=2/(k+1)) | same           same as layer 1                    normal(std=2/(k+1)) | zeros    identity
  paper_a         as_labelled  glorot_normal | glorot_normal        same as layer 1                    glorot_normal | zeros          identity
  paper_row1      both         ones | he_normal                     he_normal | he_normal              he_normal | he_normal          identity
  paper_he        both         he_normal | he_normal                he_normal | he_normal              he_normal | he_normal          act
  paper_he_u      as_coded     he_normal | uniform(a=0, b=1)        he_normal | uniform(a=0, b=1)      he_normal | uniform(a=0, b=1)  act
  paper_he_u      as_labelled  he_normal | uniform(a=-1, b=1)       he_normal | uniform(a=-1, b=1)     he_normal | uniform(a=-1,b=1)  act
  paper_normal_k  as_coded     normal(std=1/k) | normal(std=1/k)    normal(std=1/k) | same             normal(std=1) | normal(std=1)  act
  paper_normal_k  as_labelled  normal(std=1/sqrt(k)) | truncated_normal(std=1, a=-1, b=1), the same in every layer      act
  paper_glorot    both         glorot_normal | glorot_normal        glorot_normal | glorot_normal      glorot_normal | glorot_normal  act

``as_coded`` is what the notebooks' code draws (its "variance" is a std:
he_normal = std sqrt(2/fan_in), glorot_normal = std sqrt(2/(fan_in+fan_out)),
normal_k = std 1/fan_out, uniform = U[0, 1), network A = std 2/(k+1)).
``as_labelled`` is what the labels say: true Glorot for A, N(0, 1/k) as a
*variance* (std 1/sqrt(k)), TR(-1, 1) as a normal truncated to [-1, 1], U as
U(-1, 1).  Row 1 is labelled "w = 1, b = He | He, He, identity" in both the
notebook tables and docs/notebooks.md (layer-1 bias He, not zeros), and its depth-3
table has a He | He middle layer; the presets follow those labels.  ``gain``
multiplies every random layer's scale, the ``ones`` weights of row 1 included.

Checked against every notebook copy (Depth_2, NEW_DEPTH_2, Depth_3 x2, NEW_DEPTH_3,
the first probability notebook): pass = act(in) -> [act(mid)] -> clip?(out) -> act;
the clip is of the output pre-activation to [0, 1] and the output activation is
always applied after it; He uses fan_in (= n_inputs) for weights and biases,
normal_k uses 1/fan_out (= 1/n_neurons), Glorot fan_in + fan_out; the tanh
tables switch every activation to tanh; window 1 (B, C) and 2 (A).  The saved
code has no identity output, so row 1's identity output follows its label.
Published cells the saved code does not reproduce are listed, with reasons, in
:data:`rnnchaos.reporting.reproduce.KNOWN_DIFFERENCES`.

Seeding contract (version 2: blocks)
------------------------------------
Networks are drawn in blocks of :data:`BLOCK_SIZE` = 1024.  Network ``I`` of
the stream defined by seed ``S`` is row ``I mod 1024`` of block ``I // 1024``
(:func:`block_of`).  Block ``b`` is drawn from the one generator
``numpy.random.default_rng(numpy.random.SeedSequence(S, spawn_key=(b,)))``
(:func:`block_seed`) with whole-array calls in this order: layer by layer, the
weights of all 1024 networks as one array of shape ``(1024, out, in)``, then
their biases as one array ``(1024, out)``, each in C order (so within an
array, network j's entries follow network j-1's), each by its layer's scheme
(:meth:`rnnchaos.networks.init.Scheme.stack_sampler`; ``ones``/``zeros`` draw
nothing).  The list of these arrays is :meth:`Preset.draw_targets`.
:func:`sample_preset` draws network ``I`` by drawing its block (streamed in
pieces, so memory stays bounded at any width); ``rnnchaos sample --seed S
--index I`` prints it.  Outputs record :data:`SEEDING_CONTRACT` and
:data:`SEEDING_TEXT`.  (Version 1, before, drew every network from its own
``SeedSequence(S, spawn_key=(I,))``: about 10 us of seeding per network.)

Why 1024: seeding one generator costs about as much as drawing 1,000 width-2
networks, so it is spread over a block, while a block of the widest networks
of the width study (k = 16384, 3k + 1 parameters) still fits in 400 MB.

:meth:`Preset.sample` draws one network from a given generator (layer by layer,
weight then bias, :func:`rnnchaos.networks.init.sample_network`); it is not the stream.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any, NamedTuple

import numpy as np

from .._lib.threads import run_chunks
from .._lib.validation import check_int, check_real
from ..errors import SpecError
from .init import Scheme, as_generator, make_scheme, sample_network
from .model import Activation, Layer, ScalarRNN

#: Networks per block of the seeding contract (see the module docstring).
BLOCK_SIZE = 1024
#: Version of the seeding contract recorded in manifests and JSON outputs.
SEEDING_CONTRACT = 2
#: The seeding contract in one line, for outputs.
SEEDING_TEXT = (f"contract v{SEEDING_CONTRACT}: network I of seed S is row I mod {BLOCK_SIZE} of block "
                f"I // {BLOCK_SIZE}; block b is drawn from numpy.random.default_rng("
                "numpy.random.SeedSequence(S, spawn_key=(b,))) layer by layer, weight then bias, "
                f"each as one array ({BLOCK_SIZE}, out, in) / ({BLOCK_SIZE}, out) in C order")
#: Entries per array call when a block is streamed (bounds memory for wide networks).
PIECE_ENTRIES = 1 << 21
#: Blocks of at least this many entries are drawn on several threads (see draw_rows).
THREADED_BLOCK_ENTRIES = 1 << 15

#: Preset names (a fixed contract).
PRESETS = ("paper_a", "paper_row1", "paper_he", "paper_he_u", "paper_normal_k", "paper_glorot")
FLAVOURS = ("as_coded", "as_labelled")
PRESET_ACTIVATIONS = ("relu", "tanh")
DEPTHS = (2, 3)

_IDENTITY_OUTPUT = frozenset({"paper_a", "paper_row1"})
_CLIP = Activation.from_spec("hardtanh", {"min_val": 0.0, "max_val": 1.0})


class LayerPlan(NamedTuple):
    """How one layer of a preset is drawn: shape, schemes, activation, gain."""

    in_features: int
    out_features: int
    weight: Scheme
    bias: Scheme
    activation: Activation
    gain: float


def _s(name: str, **params: float) -> Scheme:
    return make_scheme(name, params)


def _row_schemes(name: str, k: int, flavour: str) -> tuple[tuple[Scheme, Scheme], ...]:
    """(weight, bias) schemes of the (first, hidden, output) layers of a preset."""
    coded = flavour == "as_coded"
    he, glorot = _s("he_normal"), _s("glorot_normal")
    if name == "paper_a":
        w = _s("normal", std=2.0 / (k + 1)) if coded else glorot
        return (w, w), (w, w), (w, _s("zeros"))
    if name == "paper_row1":
        return (_s("ones"), he), (he, he), (he, he)
    if name == "paper_he":
        return ((he, he),) * 3
    if name == "paper_he_u":
        u = _s("uniform", a=0.0, b=1.0) if coded else _s("uniform", a=-1.0, b=1.0)
        return ((he, u),) * 3
    if name == "paper_normal_k":
        if coded:  # std 1/fan_out in every layer
            inner, out = _s("normal", std=1.0 / k), _s("normal", std=1.0)
            return (inner, inner), (inner, inner), (out, out)
        w, b = _s("normal", std=1.0 / math.sqrt(k)), _s("truncated_normal", std=1.0, a=-1.0, b=1.0)
        return ((w, b),) * 3
    return ((glorot, glorot),) * 3  # paper_glorot


def _check_choice(field_name: str, value: Any, choices: tuple) -> Any:
    if isinstance(value, bool) or value not in choices:
        raise SpecError(field_name, f"must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value


def _check_width(width: Any) -> int:
    return check_int(width, "width", 1)


def _check_gain(gain: Any) -> float:
    return check_real(gain, "gain", positive=True)


@dataclass(frozen=True)
class Preset:
    """A validated paper preset; :meth:`sample` draws one :class:`ScalarRNN`.

    Build it with :func:`build_preset`.  ``plan`` lists how each layer is drawn.

    >>> p = build_preset("paper_he", 3, depth=3)
    >>> [(l.out_features, l.in_features, l.activation.name) for l in p.plan]
    [(3, 1, 'relu'), (3, 3, 'relu'), (1, 3, 'relu')]
    """

    name: str
    width: int = 2
    activation: str = "relu"
    clip: bool = False
    depth: int = 2
    flavour: str = "as_coded"
    gain: float = 1.0
    plan: tuple[LayerPlan, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or self.name not in PRESETS:
            raise SpecError("preset", f"unknown preset {self.name!r}; choose one of {', '.join(PRESETS)}")
        object.__setattr__(self, "width", _check_width(self.width))
        _check_choice("activation", self.activation, PRESET_ACTIVATIONS)
        if not isinstance(self.clip, bool):
            raise SpecError("clip", f"must be true or false, got {self.clip!r}")
        if not isinstance(self.depth, Integral):
            raise SpecError("depth", f"must be one of 2, 3, got {self.depth!r}")
        object.__setattr__(self, "depth", int(_check_choice("depth", self.depth, DEPTHS)))
        _check_choice("flavour", self.flavour, FLAVOURS)
        object.__setattr__(self, "gain", _check_gain(self.gain))
        object.__setattr__(self, "plan", self._make_plan())

    def _make_plan(self) -> tuple[LayerPlan, ...]:
        k, g = self.width, self.gain
        first, hidden, output = _row_schemes(self.name, k, self.flavour)
        act = Activation.from_spec(self.activation)
        out_act = Activation.from_spec("identity" if self.name in _IDENTITY_OUTPUT else self.activation)
        plan = [LayerPlan(1, k, *first, act, g)]
        if self.depth == 3:
            plan.append(LayerPlan(k, k, *hidden, act, g))
        plan.append(LayerPlan(k, 1, *output, _CLIP if self.clip else out_act, g))
        if self.clip and out_act.name == "tanh":
            plan.append(LayerPlan(1, 1, _s("ones"), _s("zeros"), out_act, 1.0))
        return tuple(plan)

    def sample(self, rng: Any) -> ScalarRNN:
        """Draw one network; ``rng`` is a Generator, an int seed or a SeedSequence.

        >>> p = build_preset("paper_a")
        >>> p.sample(1) == p.sample(np.random.default_rng(1))
        True
        """
        plan = self.plan
        return sample_network([plan[0].in_features] + [l.out_features for l in plan],
                              [l.activation for l in plan], [l.weight for l in plan],
                              [l.bias for l in plan], as_generator(rng),
                              gain=[l.gain for l in plan], cls=ScalarRNN)

    def draw_targets(self) -> tuple["DrawTarget", ...]:
        """The arrays of one network in the contract's draw order: per layer, weight then bias.

        >>> [t.shape for t in build_preset("paper_he", 3).draw_targets()]
        [(3, 1), (3,), (1, 3), (1,)]
        """
        targets = []
        for l in self.plan:
            targets.append(DrawTarget.of(l.weight, (l.out_features, l.in_features),
                                         l.in_features, l.out_features, l.gain))
            targets.append(DrawTarget.of(l.bias, (l.out_features,), l.in_features,
                                         l.out_features, l.gain))
        return tuple(targets)

    def describe(self) -> dict[str, Any]:
        """A JSON-able description: name, options, and per-layer scheme strings.

        >>> build_preset("paper_a").describe()["layers"][1]["bias"]
        'zeros'
        """
        return {
            "name": self.name, "flavour": self.flavour, "width": self.width,
            "activation": self.activation, "clip": self.clip, "depth": self.depth,
            "gain": self.gain,
            "layers": [{"shape": [l.out_features, l.in_features], "weight": str(l.weight),
                        "bias": str(l.bias), "activation": l.activation.to_spec()["activation"],
                        "activation_params": dict(l.activation.params), "gain": l.gain}
                       for l in self.plan],
            "seeding": SEEDING_TEXT, "seeding_contract": SEEDING_CONTRACT,
        }


def build_preset(name: str, width: int = 2, *, activation: str = "relu", clip: bool = False,
                 depth: int = 2, flavour: str = "as_coded", gain: float = 1.0) -> Preset:
    """The validated :class:`Preset` ``name`` (one of :data:`PRESETS`) with these options.

    Raises SpecError naming the field: preset, width, activation, clip, depth, flavour, gain.

    >>> build_preset("paper_normal_k", 4, flavour="as_labelled").describe()["layers"][0]["bias"]
    'truncated_normal(std=1.0, a=-1.0, b=1.0)'
    """
    return Preset(name, width, activation, clip, depth, flavour, gain)


def check_index(field_name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise SpecError(field_name, f"must be an integer >= 0, got {value!r}")
    return int(value)


class DrawTarget(NamedTuple):
    """One array of a network in draw order: its per-network shape and its vectorized sampler
    (``sampler(rng, count)`` -> (count, *shape), :meth:`~rnnchaos.networks.init.Scheme.stack_sampler`)."""

    shape: tuple[int, ...]
    sampler: Any
    draws_nothing: bool

    @classmethod
    def of(cls, scheme: Scheme, shape: tuple[int, ...], fan_in: int, fan_out: int,
           gain: float) -> "DrawTarget":
        return cls(tuple(shape), scheme.stack_sampler(shape, fan_in, fan_out, gain),
                   scheme.draws_nothing)


def block_seed(seed: int, block: int) -> np.random.SeedSequence:
    """``SeedSequence(seed, spawn_key=(block,))``: the seed of block ``block`` of stream ``seed``.

    >>> block_seed(7, 3).spawn_key
    (3,)
    """
    return np.random.SeedSequence(check_index("seed", seed), spawn_key=(check_index("block", block),))


def block_of(index: int) -> tuple[int, int]:
    """(block, row) of network ``index``: ``divmod(index, BLOCK_SIZE)``.

    >>> block_of(2500)
    (2, 452)
    """
    return divmod(check_index("index", index), BLOCK_SIZE)


def _draw_target_rows(rng: np.random.Generator, target: DrawTarget, lo: int, hi: int,
                      out: np.ndarray, stop: int) -> None:
    """Draw rows 0 .. stop-1 of ``target`` for a block, keeping rows lo .. hi-1 in ``out``.

    Rows are drawn in consecutive pieces of at most PIECE_ENTRIES entries: the
    stream is the same as one whole-block call (Scheme.stack_sampler), memory is not.
    When every drawn row is kept (lo = 0, stop = hi) and the scheme can fill an array in
    place (``sampler.fill``: the normal family), they are drawn straight into ``out``.
    """
    if target.draws_nothing:
        out[...] = target.sampler(rng, hi - lo)
        return
    fill = target.sampler.fill
    if fill is not None and lo == 0 and stop == hi and out.flags.c_contiguous:
        fill(rng, out)  # every drawn row is kept: straight into out, no temporary, any width
        return
    step = max(1, PIECE_ENTRIES // max(1, math.prod(target.shape)))
    for first in range(0, stop, step):
        last = min(stop, first + step)
        piece = target.sampler(rng, last - first)
        keep_lo, keep_hi = max(lo, first), min(hi, last)
        if keep_lo < keep_hi:
            out[keep_lo - lo:keep_hi - lo] = piece[keep_lo - first:keep_hi - first]


def draw_block_rows(targets, seed: int, block: int, lo: int, hi: int,
                    out: list[np.ndarray] | None = None, block_size: int = BLOCK_SIZE,
                    stream: tuple[int, ...] = ()) -> list[np.ndarray]:
    """Rows ``lo .. hi-1`` of block ``block`` of stream ``seed``: one array (hi-lo, *shape) per target.

    ``targets`` is a draw order (:meth:`Preset.draw_targets`); ``out`` optional
    preallocated arrays to fill.  The block's generator is consumed exactly as the
    contract says, except that the last array that draws anything is drawn only up
    to row ``hi``: nothing follows it.  Trusts its inputs (0 <= lo < hi <= block_size).
    ``stream`` prefixes the spawn key (``spawn_key=(*stream, block)``), for studies with
    several independent streams per seed.

    >>> t = build_preset("paper_he", 2).draw_targets()
    >>> [a.shape for a in draw_block_rows(t, 0, 0, 5, 8)]
    [(3, 2, 1), (3, 2), (3, 1, 2), (3, 1)]
    """
    if out is None:
        out = [np.empty((hi - lo, *t.shape)) for t in targets]
    drawing = [i for i, t in enumerate(targets) if not t.draws_nothing]
    last_drawing = drawing[-1] if drawing else -1
    # block_seed(seed, block) without its checks: this is the hot path, inputs are trusted
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(*stream, block)))
    for i, target in enumerate(targets):
        _draw_target_rows(rng, target, lo, hi, out[i], hi if i >= last_drawing else block_size)
    return out


def draw_rows(targets, seed: int, start: int, count: int, block_size: int = BLOCK_SIZE,
              stream: tuple[int, ...] = ()) -> list[np.ndarray]:
    """Networks ``start .. start+count-1`` of stream ``seed``: one array (count, *shape) per target.

    Assembled block by block (:func:`draw_block_rows`); validates seed, start, count.
    ``block_size`` is :data:`BLOCK_SIZE` for the scalar presets (vector presets use
    their own, :data:`rnnchaos.networks.vector.VECTOR_BLOCK_SIZE`); ``stream`` as in
    :func:`draw_block_rows`.

    >>> t = build_preset("paper_he", 2).draw_targets()
    >>> a, b = draw_rows(t, 1, 1000, 50), draw_rows(t, 1, 1030, 5)
    >>> bool(np.array_equal(a[0][30:35], b[0]))
    True
    """
    seed, start = check_index("seed", seed), check_index("start", start)
    if isinstance(count, bool) or not isinstance(count, Integral) or count < 1:
        raise SpecError("count", f"must be an integer >= 1, got {count!r}")
    out = [np.empty((count, *t.shape)) for t in targets]
    pieces = []  # (block, lo, hi, offset in out)
    index = start
    while index < start + count:
        block, lo = divmod(index, block_size)
        hi = min(block_size, lo + start + count - index)
        pieces.append((block, lo, hi, index - start))
        index += hi - lo

    def draw(first: int, last: int) -> None:
        for block, lo, hi, at in pieces[first:last]:
            draw_block_rows(targets, seed, block, lo, hi, [a[at:at + hi - lo] for a in out],
                            block_size, stream)
    # blocks are independent streams and numpy fills arrays without the GIL: threads help,
    # but only when a block is big enough; small blocks are Python-bound and threads would
    # only fight over the GIL (width 2: 5.0M networks/s on one thread, 3.9M/s on two)
    per_block = block_size * sum(math.prod(t.shape) for t in targets)
    run_chunks(draw, len(pieces), threads=None if per_block >= THREADED_BLOCK_ENTRIES else 1,
               min_chunk=8)
    return out


def sample_preset(preset: Preset | str, seed: int, index: int = 0) -> ScalarRNN:
    """Network number ``index`` of the stream ``seed`` (seeding contract v2: it draws its block).

    ``preset`` may be a :class:`Preset` or a preset name (default options).

    >>> from rnnchaos.networks.batch import sample_preset_batch
    >>> sample_preset("paper_he", 5, 1030) == sample_preset_batch("paper_he", 5, 1024, 10).network(6)
    True
    """
    preset, seed = as_preset(preset), check_index("seed", seed)
    arrays = draw_rows(preset.draw_targets(), seed, check_index("index", index), 1)
    return ScalarRNN([Layer(arrays[2 * j][0], arrays[2 * j + 1][0], l.activation)
                      for j, l in enumerate(preset.plan)])


def as_preset(preset: Any) -> Preset:
    """A :class:`Preset` from a Preset or a preset name (default options); SpecError otherwise.

    >>> as_preset("paper_a").width
    2
    """
    if isinstance(preset, str):
        preset = build_preset(preset)
    if not isinstance(preset, Preset):
        raise SpecError("preset", f"expected a Preset or a preset name, got {preset!r}")
    return preset
