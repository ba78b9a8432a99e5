"""Every error class of rnnchaos survives a pickle round trip (errors cross process boundaries)."""
import inspect
import pickle

import pytest

import rnnchaos.errors as errors
from rnnchaos._lib.optional import MissingDependencyError

CLASSES = [c for _, c in inspect.getmembers(errors, inspect.isclass)
           if issubclass(c, errors.RnnchaosError)] + [MissingDependencyError]
EXAMPLES = {errors.SpecError: ("entropy_max_period", "must be in [3, 12], got 2"),
            errors.TaskFailedError: ("cell-a networks 0..9", "its workers kept dying")}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_pickle_round_trip(cls):
    args = EXAMPLES.get(cls, ("something went wrong",))
    err = cls(*args)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls
    assert str(back) == str(err) and back.args == err.args
    assert vars(back) == vars(err)  # field/problem/block survive too


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_round_trip_with_dask_exception_pickling(cls):
    # importing distributed installs tblib's reducers for every exception class (on workers too)
    from tblib import pickling_support
    pickling_support.install()
    test_pickle_round_trip(cls)


def test_every_class_with_named_parts_has_an_example():
    # a new class whose constructor takes several arguments must be added to EXAMPLES
    for cls in CLASSES:
        if "__init__" in vars(cls):
            assert cls in EXAMPLES, cls
