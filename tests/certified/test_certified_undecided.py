"""Tangencies are reported undecided with a reason, never guessed, and batches count them
apart: the estimate's interval becomes the bound [Wilson low of count, Wilson high of
count + undecided]."""
from __future__ import annotations

import numpy as np

from rnnchaos.certified import UNDECIDED, YES, certified_orbits
from rnnchaos.deciders.verdicts import decide
from rnnchaos.networks.batch import NetworkBatch
from rnnchaos.networks.model import ScalarRNN
from rnnchaos.studies.montecarlo import CriterionEstimate, wilson_interval


def tanh_map(a):
    return ScalarRNN.from_dict({"layers": [{"weight": [[a]], "bias": [0.0], "activation": "tanh"}]})


def test_tangent_fixed_point_exists_by_ivt():
    rep = certified_orbits(tanh_map(1.0), 3)  # tanh(x) = x only at 0, where f'(0) = 1
    assert rep.statuses[1].status == YES and rep.statuses[1].via == "ivt"
    assert rep.status(2) != YES and rep.status(3) != YES


def test_degenerate_period_two_is_undecided_not_guessed():
    # f = -tanh: f'(0) = -1, so f^2(x) - x has a triple root at the fixed point 0
    rep = certified_orbits(tanh_map(-1.0), 2)
    assert rep.status(2) == UNDECIDED
    assert "tangency" in rep.statuses[2].reason and rep.statuses[2].unresolved_width > 0
    assert rep.to_json()["period_status"]["2"] == "undecided"


def test_batch_counts_undecided_apart():
    nets = [tanh_map(-1.0), tanh_map(0.5), tanh_map(-3.0)]
    v = decide(NetworkBatch.from_networks(nets), ["period_2", "period_3"])
    assert v.undecided["period_2"].tolist() == [True, False, False]
    assert v["period_2"].tolist() == [False, False, True]  # -tanh(3x) has a 2-cycle
    assert v.undecided_counts == {"period_2": 1, "period_3": 0}
    assert not v["period_3"].any()


def test_interval_is_the_bound_from_count_to_count_plus_undecided():
    e = CriterionEstimate.from_count("period_2", 5, 100, 3)
    assert (e.ci_low, e.ci_high) == (wilson_interval(5, 100)[0], wilson_interval(8, 100)[1])
    assert e.p == 0.05 and e.to_json()["undecided"] == 3
    assert np.isclose(CriterionEstimate.from_count("x", 5, 100).ci_high, wilson_interval(5, 100)[1])
