from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cycleanalytics.stats import safe_ratio, wilson_interval


@pytest.mark.parametrize(
    ("x", "n", "lo", "hi"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_table(x, n, lo, hi):
    got_lo, got_hi = wilson_interval(x, n)
    assert float(got_lo) == pytest.approx(lo, abs=1e-4)
    assert float(got_hi) == pytest.approx(hi, abs=1e-4)


def test_wilson_of_nothing_is_nan():
    lo, hi = wilson_interval([0, 3], [0, 4])
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    assert 0 < lo[1] < 0.75 < hi[1] <= 1


def test_wilson_rejects_impossible_counts():
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(5, 4)


@given(n=st.integers(1, 10_000), data=st.data(), conf=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_contains_the_estimate_and_stays_in_unit_interval(n, data, conf):
    x = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(x, n, confidence=conf)
    assert 0 <= lo <= x / n <= hi <= 1


def test_safe_ratio_guards_zero_denominators():
    np.testing.assert_array_equal(safe_ratio([1, 2], [0, 4]), [np.nan, 0.5])
