from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from cycleanalytics.stats import (
    kaplan_meier,
    mann_whitney_counts,
    mean_interval,
    newcombe_difference_interval,
    nps_difference_z,
    nps_interval,
    safe_ratio,
    two_proportion_z,
    wilson_interval,
)


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


# -- TestResult and the tests ----------------------------------------------------------------


def test_newcombe_hybrid_score_matches_newcombe_1998_examples():
    # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10:
    # (a) 56/70 - 48/80: 0.0524 to 0.3339; (b) 9/10 - 3/10: 0.1705 to 0.8090.
    lo, hi = newcombe_difference_interval(48, 80, 56, 70)
    assert (lo, hi) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    lo, hi = newcombe_difference_interval(3, 10, 9, 10)
    assert (lo, hi) == pytest.approx((0.1705, 0.8090), abs=1e-4)


def test_two_proportion_z_equals_chi_square_of_the_2x2_table():
    # Another tool: scipy's chi-square without continuity correction; z² = chi².
    r = two_proportion_z(48, 80, 56, 70)
    chi2, p, _, _ = stats.chi2_contingency([[48, 32], [56, 14]], correction=False)
    assert r.statistic**2 == pytest.approx(chi2)
    assert r.p_value == pytest.approx(p)
    assert r.effect == pytest.approx(0.2)
    assert r.n == (80, 70)
    assert r.significant()


def test_two_proportion_z_on_empty_group_is_nan_not_an_error():
    r = two_proportion_z(0, 0, 3, 10)
    assert np.isnan(r.p_value) and not r.significant()


def test_test_result_as_dict_flattens_sample_sizes():
    d = two_proportion_z(48, 80, 56, 70).as_dict()
    assert d["n_1"] == 80 and d["n_2"] == 70 and d["test"] == "two-proportion z"


def test_nps_interval_hand_computed():
    # 50/30/20: NPS 30; var per response 0.5 + 0.2 - 0.3² = 0.61; se = 100 sqrt(0.61/100) = 7.8102
    nps, lo, hi = nps_interval(50, 30, 20)
    assert float(nps) == 30
    assert float(lo) == pytest.approx(30 - 1.959964 * 7.8102, abs=1e-3)
    assert float(hi) == pytest.approx(30 + 1.959964 * 7.8102, abs=1e-3)
    nps, lo, hi = nps_interval(0, 0, 0)
    assert np.isnan(nps) and np.isnan(lo)


def test_nps_difference_hand_computed():
    # NPS 30 vs 10; variances 0.61/100 and (0.4 + 0.3 - 0.01)/100 = 0.69/100.
    r = nps_difference_z((50, 30, 20), (40, 30, 30))
    se = np.sqrt(0.0130)
    assert r.effect == pytest.approx(-20)
    assert r.statistic == pytest.approx(-0.2 / se)
    assert r.effect_lo == pytest.approx(100 * (-0.2 - 1.959964 * se), abs=1e-3)


def test_mean_interval_matches_t_table():
    # t(0.975, 24) = 2.0639 (any t table): 5 ± 2.0639 x 1.2 / 5
    lo, hi = mean_interval(5.0, 1.2, 25)
    assert float(lo) == pytest.approx(5 - 2.0639 * 0.24, abs=1e-4)
    assert float(hi) == pytest.approx(5 + 2.0639 * 0.24, abs=1e-4)
    lo, _ = mean_interval(5.0, 0.0, 1)
    assert np.isnan(lo)


@given(
    x=st.lists(st.integers(0, 30), min_size=5, max_size=5),
    y=st.lists(st.integers(0, 30), min_size=5, max_size=5),
)
def test_mann_whitney_from_counts_equals_scipy_on_expanded_data(x, y):
    values = [1, 2, 3, 4, 5]
    if sum(x) == 0 or sum(y) == 0 or sum(x) + sum(y) < 3:
        return
    r = mann_whitney_counts(values, x, y)
    xs, ys = np.repeat(values, x), np.repeat(values, y)
    if len(np.unique(np.concatenate([xs, ys]))) < 2:
        return
    ref = stats.mannwhitneyu(ys, xs, method="asymptotic", use_continuity=True)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-12)
    assert r.effect == pytest.approx(ref.statistic / (len(xs) * len(ys)))
    assert r.effect_lo <= r.effect <= r.effect_hi


# -- Kaplan-Meier ------------------------------------------------------------------------------

# Freireich et al. (1963), 6-MP arm, weeks of remission; True = relapse, False = censored.
SIX_MP = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
SIX_MP_EVENT = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
PLACEBO = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]


def test_kaplan_meier_matches_kleinbaum_klein_table_for_6mp():
    # Kleinbaum & Klein, Survival Analysis (3rd ed. 2012), ch. 2, KM table of the 6-MP group:
    # S(t) = .857 .807 .753 .690 .627 .538 .448 at t = 6 7 10 13 16 22 23.
    km = kaplan_meier(SIX_MP, np.array(SIX_MP_EVENT, dtype=bool))
    at = dict(zip(km.times, km.survival, strict=True))
    expected = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    for t, s in expected.items():
        assert at[t] == pytest.approx(s, abs=5e-4)
    assert (km.n, km.events, km.censored) == (21, 9, 12)
    median, lo, hi = km.quantiles[0.5]
    assert median == 23  # K&K: median 23 weeks
    assert lo == 13  # first time whose log-log band reaches below 0.5 (hand check below)
    assert np.isnan(hi)  # the band never drops to 0.5: "not reached"
    assert np.isnan(km.quantiles[0.75][0])  # S stays at .448 > .25


def test_kaplan_meier_log_log_band_by_hand_at_13_weeks():
    # Greenwood: sum d/(n(n-d)) over 6, 7, 10, 13 with (n, d) = (21,3), (17,1), (15,1), (12,1);
    # log-log band: S^exp(±z se/log S), se = sqrt(sum)/|log S|.
    km = kaplan_meier(SIX_MP, np.array(SIX_MP_EVENT, dtype=bool))
    g = 3 / (21 * 18) + 1 / (17 * 16) + 1 / (15 * 14) + 1 / (12 * 11)
    s = 0.857143 * (16 / 17) * (14 / 15) * (11 / 12)
    theta = 1.959964 * np.sqrt(g) / abs(np.log(s))
    i = list(km.times).index(13)
    assert km.survival_lo[i] == pytest.approx(s ** np.exp(theta), abs=1e-4)
    assert km.survival_hi[i] == pytest.approx(s ** np.exp(-theta), abs=1e-4)
    assert km.survival_lo[i] < 0.5  # so 13 is the median's lower limit


def test_kaplan_meier_placebo_median_and_mean():
    # Kleinbaum & Klein: placebo median 8 weeks, mean 8.67 (no censoring: the plain mean).
    km = kaplan_meier(PLACEBO, np.ones(21, dtype=bool))
    assert km.quantiles[0.5][0] == 8
    assert km.restricted_mean == pytest.approx(182 / 21)
    # Uncensored: the RMST variance reduces to sum (x - mean)² / n².
    x = np.array(PLACEBO, dtype=float)
    half = 1.959964 * np.sqrt(((x - x.mean()) ** 2).sum() / 21**2)
    assert km.restricted_mean_hi - km.restricted_mean == pytest.approx(half, rel=1e-5)
    # p90: S first <= 0.1 at 17 weeks (2 of 21 left = .095).
    assert km.quantiles[0.9][0] == 17


def test_kaplan_meier_restricted_mean_6mp_by_hand():
    # Area under the 6-MP curve to 35 weeks: 6x1 + 1x.857 + 3x.807 + 3x.753 + 3x.690
    # + 6x.628 + 1x.538 + 12x.448 (exact fractions used below).
    s = [1, 6 / 7, 6 / 7 * 16 / 17]
    s += [s[-1] * 14 / 15, s[-1] * 14 / 15 * 11 / 12]
    s += [s[-1] * 10 / 11, s[-1] * 10 / 11 * 6 / 7, s[-1] * 10 / 11 * 6 / 7 * 5 / 6]
    widths = [6, 1, 3, 3, 3, 6, 1, 12]
    km = kaplan_meier(SIX_MP, np.array(SIX_MP_EVENT, dtype=bool))
    assert km.restricted_mean == pytest.approx(sum(w * v for w, v in zip(widths, s, strict=True)))
    assert km.horizon == 35


def test_kaplan_meier_median_where_the_curve_is_exactly_one_half_after_many_steps():
    """833,206 complaints resolved at hours 1, 2, ..., the last tenth still open: after 416,603
    events S = 0.5 exactly, so the median is hour 416,603 (the first time S <= 0.5). The curve
    is a product of 416,603 factors and comes out 4e-12 above 0.5; a fixed 1e-12 tolerance
    gave hour 416,604 (the 100M-event benchmark found it against its hand-written query)."""
    n = 833_206
    t = np.arange(1, n + 1, dtype=float)
    observed = t <= n - n // 10
    km = kaplan_meier(t, observed, probs=(0.5,))
    assert km.quantiles[0.5][0] == n // 2


def test_kaplan_meier_all_censored_reaches_nothing():
    km = kaplan_meier([3, 4, 5], [False, False, False])
    assert np.isnan(km.quantiles[0.5][0]) and km.events == 0 and km.censored == 3


@given(
    data=st.lists(st.tuples(st.integers(1, 50), st.booleans()), min_size=1, max_size=60),
)
def test_kaplan_meier_invariants(data):
    t = np.array([d[0] for d in data], dtype=float)
    e = np.array([d[1] for d in data], dtype=bool)
    km = kaplan_meier(t, e)
    assert km.events + km.censored == len(t)
    assert (np.diff(km.survival) <= 1e-12).all()
    assert ((km.survival_lo <= km.survival + 1e-9) & (km.survival <= km.survival_hi + 1e-9)).all()
    for q, (time, lo, hi) in km.quantiles.items():
        if not np.isnan(time):
            assert lo <= time and (np.isnan(hi) or time <= hi), q
    assert 0 <= km.restricted_mean <= km.horizon + 1e-9
