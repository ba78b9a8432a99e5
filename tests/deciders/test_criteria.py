"""The one check of a criteria list: strip, refuse unknown names, deduplicate in order."""
import pytest

from rnnchaos.deciders.criteria import (
    CRITERIA,
    check_criteria,
    check_entropy_max_period,
)
from rnnchaos.errors import SpecError


@pytest.mark.parametrize("given,expected", [
    ("period_2", ("period_2",)),
    (" period_3 , period_2,", ("period_3", "period_2")),
    ("period_2,period_2", ("period_2",)),
    (["period_3", " period_2", "period_3"], ("period_3", "period_2")),
    (",".join(CRITERIA + CRITERIA), CRITERIA),
])
def test_strips_and_dedupes_in_order(given, expected):
    assert check_criteria(given) == expected


@pytest.mark.parametrize("given", ["", " , ", [], "period_4", ["period_2", "Period_3"], [2]])
def test_refused(given):
    with pytest.raises(SpecError, match="criteria"):
        check_criteria(given)


@pytest.mark.parametrize("bad", [2, 0, 10**6, 3.0, True, "6"])
def test_entropy_period_refused(bad):
    with pytest.raises(SpecError, match="entropy_max_period"):
        check_entropy_max_period(bad)
