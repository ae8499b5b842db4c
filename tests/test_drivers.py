"""Key drivers (metrics/drivers.py, importance.py, surveys.py).

Expected numbers come from outside the code: brute-force least-squares regressions of every
subset of drivers on the raw data (numpy's lstsq, with an intercept), Shapley values averaged
over every order of entry (itertools.permutations, not the subset weights the code uses),
Johnson's relative weights from the SVD of the standardised data (his original construction,
not the eigen-decomposition of the correlation matrix), group means for penalty/reward, and
hand-made fixtures.
"""

from __future__ import annotations

import itertools
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cycleanalytics as ca
from cycleanalytics.errors import LoadError, MetricError
from cycleanalytics.importance import (
    correlations,
    driver_importance,
    penalty_reward,
    relative_weights,
    shapley_values,
    subset_r_squared,
)
from cycleanalytics.metrics.drivers import (
    DRIVER_COLUMNS,
    driver_table_expr,
    key_drivers,
    plot_key_drivers,
    readable_key_drivers,
    stage_priorities,
)
from cycleanalytics.surveys import load_survey_map, read_survey, survey_maps

REAL = Path(os.environ.get("CYCLEANALYTICS_REAL_DATA", "/work/shared/data/real"))
if not REAL.exists():
    REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
AIRLINE = (
    REAL / "airline_passenger_satisfaction_sample/airline_passenger_satisfaction_30pct_sample.csv"
)
SKYTRAX = REAL / "skytrax_airline_reviews/reviews.csv"
needs_airline = pytest.mark.skipif(
    not AIRLINE.exists(), reason=f"the real airline survey is not here ({AIRLINE})"
)
needs_skytrax = pytest.mark.skipif(
    not SKYTRAX.exists(), reason=f"the real Skytrax reviews are not here ({SKYTRAX})"
)

# A hand-made fixture: twelve respondents, three aspects rated 1-5, an overall score 0-10.
HAND = pd.DataFrame(
    {
        "booking": [1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 1, 4],
        "staff": [2, 1, 3, 3, 4, 2, 5, 4, 5, 3, 1, 5],
        "food": [3, 3, 1, 4, 2, 5, 3, 1, 4, 2, 5, 4],
        "overall": [2, 1, 4, 5, 6, 3, 9, 7, 10, 6, 0, 9],
    }
)
DRIVERS = ["booking", "staff", "food"]


# -- independent computations ----------------------------------------------------------------


def lstsq_r2(x: np.ndarray, y: np.ndarray) -> float:
    """R² of the OLS regression of y on x with an intercept, on the raw data."""
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return 1 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())


def brute_force_shapley(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, dict]:
    """Shapley values over every order of entry, from an R² regression per subset."""
    p = x.shape[1]
    r2 = {(): 0.0}
    for k in range(1, p + 1):
        for subset in itertools.combinations(range(p), k):
            r2[subset] = lstsq_r2(x[:, list(subset)], y)
    values = np.zeros(p)
    orders = list(itertools.permutations(range(p)))
    for order in orders:
        entered: list[int] = []
        for j in order:
            before = r2[tuple(sorted(entered))]
            entered.append(j)
            values[j] += r2[tuple(sorted(entered))] - before
    return values / len(orders), r2


def johnson_svd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) as published: Z = U V' from the SVD of the standardised drivers,
    y regressed on Z (β), the drivers on Z (Λ), ε_j = Σ_k Λ_jk² β_k²."""
    n = len(y)  # unit-length columns, so that cross-products are correlations
    xs = (x - x.mean(0)) / (x.std(0) * np.sqrt(n))
    ys = (y - y.mean()) / (y.std() * np.sqrt(n))
    u, _, vt = np.linalg.svd(xs, full_matrices=False)
    z = u @ vt
    beta = np.linalg.lstsq(z, ys, rcond=None)[0]
    lam = np.linalg.lstsq(z, xs, rcond=None)[0]  # drivers on Z: k x j
    return (lam.T**2) @ (beta**2)


# -- the statistics against the independent computations ----------------------------------------


def test_hand_fixture_shapley_and_r2_equal_brute_force_subset_regressions():
    x = HAND[DRIVERS].to_numpy(float)
    y = HAND["overall"].to_numpy(float)
    expected, r2 = brute_force_shapley(x, y)
    R, r = correlations(x, y)
    table = subset_r_squared(R, r)
    for subset, value in r2.items():
        mask = sum(1 << j for j in subset)
        assert table[mask] == pytest.approx(value, abs=1e-10), subset
    assert shapley_values(R, r) == pytest.approx(expected, abs=1e-10)
    assert relative_weights(R, r) == pytest.approx(johnson_svd(x, y), abs=1e-10)


def test_key_drivers_on_the_hand_fixture_equals_the_independent_numbers():
    x = HAND[DRIVERS].to_numpy(float)
    y = HAND["overall"].to_numpy(float)
    shapley, r2 = brute_force_shapley(x, y)
    df = key_drivers(HAND, outcome="overall", drivers=DRIVERS, min_n=10, resamples=100)
    assert list(df.columns) == list(DRIVER_COLUMNS)
    assert df["r2"].iloc[0] == pytest.approx(r2[(0, 1, 2)], abs=1e-10)
    assert df["shapley"].to_numpy() == pytest.approx(shapley, abs=1e-10)
    assert df["importance"].to_numpy() == pytest.approx(johnson_svd(x, y), abs=1e-10)
    assert df.sort_values("rank")["driver"].iloc[0] == "staff"
    assert (df["importance_lo"] <= df["importance"]).all()
    assert (df["importance"] <= df["importance_hi"]).all()
    assert df["r2_lo"].iloc[0] <= df["r2"].iloc[0] <= df["r2_hi"].iloc[0]
    assert df["mean"].tolist() == pytest.approx(HAND[DRIVERS].mean().tolist())
    assert df.attrs["rows_used"] == 12


def test_uncorrelated_drivers_get_their_squared_correlations():
    R = np.eye(3)
    r = np.array([0.5, 0.3, 0.1])
    assert relative_weights(R, r) == pytest.approx(r**2)
    assert shapley_values(R, r) == pytest.approx(r**2)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(12, 80),
    p=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    collinear=st.booleans(),
)
def test_weights_and_shapley_values_sum_to_r2_and_are_not_negative(n, p, seed, collinear):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    if collinear and p > 1:
        x[:, -1] = x[:, 0] + 1e-3 * rng.normal(size=n)
    y = x @ rng.normal(size=p) + rng.normal(size=n)
    R, r = correlations(x, y)
    r2 = lstsq_r2(x, y)
    weights = relative_weights(R, r)
    shapley = shapley_values(R, r)
    assert weights.sum() == pytest.approx(r2, abs=1e-6)
    assert shapley.sum() == pytest.approx(r2, abs=1e-6)
    assert (weights >= -1e-12).all()
    assert (shapley >= -1e-9).all()


def test_shapley_of_fifteen_drivers_is_exact_and_sixteen_are_refused():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 15))
    y = x[:, :5].sum(axis=1) + rng.normal(size=400)
    R, r = correlations(x, y)
    values = shapley_values(R, r)
    assert values.sum() == pytest.approx(lstsq_r2(x, y), abs=1e-9)
    table = subset_r_squared(R, r)
    for subset in ([0, 3, 7], [1, 2, 4, 8, 14], list(range(15))):  # spot checks by lstsq
        mask = sum(1 << j for j in subset)
        assert table[mask] == pytest.approx(lstsq_r2(x[:, subset], y), abs=1e-9)
    with pytest.raises(MetricError, match="more than 15"):
        subset_r_squared(np.eye(16), np.zeros(16))


def test_penalty_and_reward_of_one_driver_are_differences_of_group_means():
    x = HAND[["staff"]].to_numpy(float)
    y = HAND["overall"].to_numpy(float)
    low, mid, high = (
        y[x[:, 0] <= 2].mean(),
        y[(x[:, 0] > 2) & (x[:, 0] < 5)].mean(),
        y[x[:, 0] >= 5].mean(),
    )
    pr = penalty_reward(x, y, low=2, high=5)
    assert pr.penalty[0] == pytest.approx(low - mid)
    assert pr.reward[0] == pytest.approx(high - mid)
    assert pr.low_n[0] == 4 and pr.high_n[0] == 3


def test_penalty_reward_classes_a_dissatisfier_and_a_delighter():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, size=(3000, 2)).astype(float)
    # driver 0 only hurts when low; driver 1 only helps when high
    y = -3.0 * (x[:, 0] <= 2) + 3.0 * (x[:, 1] >= 5) + rng.normal(0, 1, 3000)
    pr = penalty_reward(x, y)
    assert pr.kind == ["dissatisfier", "delighter"]


def test_bootstrap_is_reproducible_with_its_seed_and_changes_without():
    x = HAND[DRIVERS].to_numpy(float)
    y = HAND["overall"].to_numpy(float)
    a = driver_importance(x, y, resamples=50, seed=1)
    b = driver_importance(x, y, resamples=50, seed=1)
    c = driver_importance(x, y, resamples=50, seed=2)
    assert np.array_equal(a.weights_lo, b.weights_lo)
    assert not np.array_equal(a.weights_lo, c.weights_lo)


# -- the metric: tables, stages, store --------------------------------------------------------


def test_too_few_cases_give_no_weights_and_say_why():
    df = key_drivers(HAND, outcome="overall", drivers=DRIVERS)  # 12 < 30
    assert df["importance"].isna().all() and df["n"].tolist() == [12, 12, 12]
    assert "12 complete cases; at least 30" in df.attrs["reason"]
    assert df.attrs["top_drivers"] == []


def test_listwise_deletion_and_dropped_drivers_are_counted():
    table = HAND.copy().astype(float)
    table.loc[[0, 1], "booking"] = np.nan
    table["rare"] = np.nan
    table.loc[[3], "rare"] = 2.0
    df = key_drivers(table, outcome="overall", drivers=[*DRIVERS, "rare"], min_n=5, resamples=0)
    assert "rare" in df.attrs["drivers_excluded"]
    assert df.attrs["rows_used"] == 10
    assert df.attrs["rows_excluded"] == {"no rating for booking": 2}
    assert df["importance_lo"].isna().all(), "no resamples, no intervals"


def test_stage_level_averages_the_aspects_of_each_stage():
    stages = {"booking": "pre_interaction", "staff": "service_delivery", "food": "service_delivery"}
    df = key_drivers(HAND, outcome="overall", stages=stages, level="stage", min_n=10, resamples=0)
    assert df["driver"].tolist() == ["pre_interaction", "service_delivery"]
    x = np.column_stack([HAND["booking"], HAND[["staff", "food"]].mean(axis=1)])
    assert df["r2"].iloc[0] == pytest.approx(lstsq_r2(x, HAND["overall"].to_numpy(float)))


def test_weights_per_stage_add_up_and_rank_which_stage_to_fix_first():
    stages = {"booking": "pre_interaction", "staff": "service_delivery", "food": "service_delivery"}
    df = key_drivers(HAND, outcome="overall", stages=stages, min_n=10, resamples=0)
    ranked = stage_priorities(df)
    delivery = ranked[ranked["stage"] == "service_delivery"].iloc[0]
    rows = df[df["stage"] == "service_delivery"]
    assert delivery["importance"] == pytest.approx(rows["importance"].sum())
    assert delivery["mean"] == pytest.approx(rows["mean"].mean())
    assert delivery["priority"] == pytest.approx(
        rows["importance_share"].sum() * (5 - rows["mean"].mean()) / 4
    )
    assert sorted(ranked["priority_rank"]) == [1, 2]


def test_breakdown_gives_one_analysis_per_group():
    rng = np.random.default_rng(2)
    table = pd.DataFrame(rng.integers(1, 6, size=(400, 3)), columns=DRIVERS).astype(float)
    table["overall"] = table["staff"] + rng.normal(0, 1, 400)
    table["segment"] = np.where(np.arange(400) % 2, "a", "b")
    df = key_drivers(table, outcome="overall", by="segment", resamples=20)
    assert df["segment"].tolist() == ["a"] * 3 + ["b"] * 3
    for _, part in df.groupby("segment"):
        assert part["importance"].sum() == pytest.approx(part["r2"].iloc[0])


def test_survey_table_errors_name_the_columns():
    with pytest.raises(MetricError, match="no column"):
        key_drivers(HAND, outcome="nope")
    with pytest.raises(MetricError, match="period and channel"):
        key_drivers(HAND, outcome="overall", period="2026-01")


def test_figure_and_terminal_table():
    stages = {"booking": "pre_interaction", "staff": "service_delivery", "food": "service_delivery"}
    df = key_drivers(HAND, outcome="overall", stages=stages, min_n=10, resamples=20)
    fig = plot_key_drivers(df)
    assert fig.data[0].mode == "markers+text" and len(fig.data[0].x) == 3
    assert len(fig.layout.shapes) == 2, "quadrant lines"
    shown = readable_key_drivers(df)
    assert shown["driver"].iloc[0] == "staff"


# -- on a store: per-stage CSAT against NPS ---------------------------------------------------


def _stage_store(store: ca.Store, tmp_path: Path, cases: int = 120) -> pd.DataFrame:
    """Cases with a CSAT at initial_interaction (two answers on some cases) and at
    service_delivery, and an NPS at follow_up; returns the hand-built per-case table."""
    rng = np.random.default_rng(11)
    rows, truth = [], []
    for i in range(cases):
        a = [int(v) for v in rng.integers(1, 6, size=1 + (i % 3 == 0))]
        b = int(rng.integers(1, 6))
        nps = int(np.clip(round(2 * b + 0.5 * np.mean(a) + rng.normal(0, 1)), 0, 10))
        ts = pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(hours=i)
        events = [("initial_interaction", v, None) for v in a]
        events += [("service_delivery", b, None), ("follow_up", None, 3), ("follow_up", None, nps)]
        for j, (stage, csat, score) in enumerate(events):
            at = (ts + pd.Timedelta(minutes=j)).isoformat()
            channel, blank = ("web" if i % 2 else "phone"), ["", "", ""]
            ids = [f"E{i:03d}{j}", f"K{i:03d}", f"U{i:03d}"]
            rows.append([*ids, at, stage, stage, channel, *blank, csat, score, ""])
        truth.append({"case_id": f"K{i:03d}", "initial_interaction": np.mean(a),
                      "service_delivery": float(b), "outcome": float(nps)})  # fmt: skip
    path = tmp_path / "interactions.csv"
    columns = ["interaction_id", "case_id", "customer_id", "ts", "stage", "activity", "channel"]
    columns += ["agent_id", "duration_s", "cost", "csat", "nps", "ces"]
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    ca.load(store, path)
    return pd.DataFrame(truth)


def test_store_per_case_table_equals_the_hand_built_one(store, tmp_path):
    truth = _stage_store(store, tmp_path)
    expr, drivers = driver_table_expr(store, drivers=["initial_interaction", "service_delivery"])
    raw = expr.execute()
    assert drivers == ["initial_interaction", "service_delivery"]
    assert raw["case_id"].tolist() == truth["case_id"].tolist()
    assert raw["outcome"].tolist() == truth["outcome"].tolist(), "the last NPS of the case"
    means = raw["sum_0"] / raw["n_0"]
    assert means.tolist() == pytest.approx(truth["initial_interaction"].tolist())
    df = key_drivers(store, drivers=drivers, resamples=50)
    same = key_drivers(truth, outcome="outcome", drivers=drivers, resamples=50)
    assert df["importance"].to_numpy() == pytest.approx(same["importance"].to_numpy(), abs=1e-12)
    assert df["importance_lo"].to_numpy() == pytest.approx(same["importance_lo"].to_numpy())
    assert df.sort_values("rank")["driver"].iloc[0] == "service_delivery"
    assert df.attrs["definition"]["time_basis"].startswith("case start")


def test_store_breakdown_and_filters(store, tmp_path):
    _stage_store(store, tmp_path)
    by = key_drivers(store, by="channel", resamples=0)
    assert set(by["channel"]) == {"web", "phone"}
    assert set(by["driver"]) == {"initial_interaction", "service_delivery"}
    assert set(by.attrs["drivers_excluded"]) == {"pre_interaction", "follow_up", "service_recovery"}
    web = key_drivers(store, channel="web", resamples=0)
    assert int(web["n"].iloc[0]) == 60
    with pytest.raises(MetricError, match="cannot break down"):
        key_drivers(store, by="agent_id")


def test_on_the_bundled_sample_the_result_says_what_data_is_missing(sample_db):
    with ca.Store(sample_db, read_only=True) as store:
        df = key_drivers(store)
    assert df["importance"].isna().all()
    assert "at least two drivers" in df.attrs["reason"]


# -- survey files and the real surveys -------------------------------------------------------


def test_survey_maps_are_shipped_and_place_every_aspect_on_a_stage():
    assert survey_maps() == ["airline_passenger_satisfaction", "skytrax_reviews"]
    stages = {s.id for s in ca.default_model().stages}
    for name in survey_maps():
        spec = load_survey_map(name)
        assert set(spec.driver_stages.values()) <= stages
    assert len(load_survey_map("airline_passenger_satisfaction").drivers) == 14
    with pytest.raises(LoadError, match="did you mean 'skytrax_reviews'"):
        load_survey_map("skytrax_review")


def test_read_survey_turns_not_applicable_into_missing_and_checks_codes(tmp_path):
    path = tmp_path / "reviews.csv"
    header = "airline_name,overall_score,seat_comfort_rating,service_rating,food_rating,"
    header += "entertainment_rating,groundservice_rating,wifi_rating,value_rating,recommended\n"
    path.write_text(header + "a,9,5,5,4,0,5,0,5,1\na,2,1,2,1,1,,0,1,0\n")
    df = read_survey(path)
    assert df["entertainment"].isna().tolist() == [True, False]
    assert df["ground_service"].isna().tolist() == [False, True]
    assert df.attrs["not_applicable"]["wifi"] == 2
    assert df["recommend"].tolist() == [1.0, 0.0]
    path.write_text(header + "a,9,7,5,4,0,5,0,5,1\n")
    with pytest.raises(LoadError, match="outside the scale"):
        read_survey(path)


@needs_airline
def test_airline_survey_zeros_are_not_applicable():
    raw = pd.read_csv(AIRLINE)
    df = read_survey(AIRLINE)
    assert len(df) == 38_847
    assert df.attrs["not_applicable"]["inflight_wifi"] == int(
        (raw["Inflight_wifi_service"] == 0).sum()
    )
    assert df["satisfaction"].mean() == pytest.approx(16_893 / 38_847)  # README: 43.49 %


@needs_airline
def test_airline_survey_weights_equal_independent_computations():
    df = read_survey(AIRLINE)
    out = key_drivers(df, resamples=20, shapley_resamples=5)
    complete = df.dropna(subset=out.attrs["drivers"])
    x = complete[out.attrs["drivers"]].to_numpy(float)
    y = complete["satisfaction"].to_numpy(float)
    assert out["r2"].iloc[0] == pytest.approx(lstsq_r2(x, y), abs=1e-9)
    assert out["importance"].to_numpy() == pytest.approx(johnson_svd(x, y), abs=1e-9)
    R, r = correlations(x, y)
    table = subset_r_squared(R, r)
    rng = np.random.default_rng(0)
    for _ in range(20):  # subset R² spot checks against lstsq on the raw rows
        subset = sorted(rng.choice(14, size=int(rng.integers(1, 14)), replace=False).tolist())
        mask = sum(1 << j for j in subset)
        assert table[mask] == pytest.approx(lstsq_r2(x[:, subset], y), abs=1e-9)
    assert out["shapley"].sum() == pytest.approx(out["r2"].iloc[0], abs=1e-9)
    assert out.sort_values("rank")["driver"].iloc[0] == "online_boarding"


@needs_skytrax
@pytest.mark.parametrize("outcome", ["overall", "recommend"])
def test_skytrax_shapley_values_equal_brute_force_over_every_order(outcome):
    df = read_survey(SKYTRAX)
    out = key_drivers(df, outcome=outcome, resamples=10)
    assert "wifi" in out.attrs["drivers_excluded"], "wifi is not rated in two thirds of reviews"
    complete = df.dropna(subset=[*out.attrs["drivers"], outcome])
    x = complete[out.attrs["drivers"]].to_numpy(float)
    y = complete[outcome].to_numpy(float)
    expected, r2 = brute_force_shapley(x, y)  # 6 drivers: 720 orders, 63 regressions
    assert out["shapley"].to_numpy() == pytest.approx(expected, abs=1e-9)
    assert out["r2"].iloc[0] == pytest.approx(r2[tuple(range(x.shape[1]))], abs=1e-9)
    assert out["importance"].to_numpy() == pytest.approx(johnson_svd(x, y), abs=1e-9)
    assert out.attrs["rows_used"] == len(complete)
    assert math.isclose(out["importance_share"].sum(), 1.0)


# -- the report "Which stage to fix first" ----------------------------------------------------


@pytest.mark.slow
def test_drivers_report_on_the_sample_says_in_one_line_what_data_would_enable_it(
    sample_db, tmp_path
):
    from cycleanalytics.reports import run_report

    result = run_report("drivers", db=sample_db, out=tmp_path)
    page = result.html.read_text(encoding="utf-8")
    assert result.charts == 1, "how many cases rate each stage: no empty chart"
    assert "Not enough ratings to tell which stage drives the NPS" in page
    assert "a survey with one rating per aspect" in page


@pytest.mark.slow
@needs_airline
@pytest.mark.parametrize("language", ["en", "id"])
def test_drivers_report_on_the_airline_survey_names_its_top_three(sample_db, tmp_path, language):
    import re

    from test_reports import _english_left, _key_text

    from cycleanalytics.reports import run_report

    result = run_report(
        "drivers",
        db=sample_db,
        out=tmp_path,
        parameters={"survey": str(AIRLINE), "language": language},
    )
    text = _key_text(result.html.read_text(encoding="utf-8"))
    expected = key_drivers(read_survey(AIRLINE), resamples=0)
    labels = expected.set_index("driver")["label"]
    top = [labels[d] for d in expected.attrs["top_drivers"]]
    assert result.charts == 1
    lines = text.splitlines()
    sentence = next(line for line in lines if top[0] in line and top[2] in line)
    assert re.search(rf"{top[0]}, {top[1]} (and|dan) {top[2]}", sentence)
    if language == "id":
        assert "Perbaiki lebih dulu: Penyampaian layanan" in text
        assert not _english_left(text, language)
    else:
        assert "Fix first: Service delivery" in text


def test_retention_outcome_equals_a_pandas_computation_of_the_next_case(store, tmp_path):
    """Retention: the customer's next case starts within 90 days of this case's last event;
    judged only when those 90 days have passed at the as-of time (computed here in pandas)."""
    rng = np.random.default_rng(4)
    rows = []
    for c in range(60):
        start = pd.Timestamp("2026-01-01", tz="UTC")
        for k in range(int(rng.integers(1, 4))):
            start += pd.Timedelta(days=int(rng.integers(1, 150)))
            case = f"K{c:02d}{k}"
            for j, stage in enumerate(("initial_interaction", "service_delivery")):
                at = (start + pd.Timedelta(hours=j)).isoformat()
                csat = int(rng.integers(1, 6))
                ids = [f"E{c:02d}{k}{j}", case, f"U{c:02d}"]
                rows.append([*ids, at, stage, stage, "web", "", "", "", csat, "", ""])
    columns = ["interaction_id", "case_id", "customer_id", "ts", "stage", "activity", "channel"]
    columns += ["agent_id", "duration_s", "cost", "csat", "nps", "ces"]
    events = pd.DataFrame(rows, columns=columns)
    events.to_csv(tmp_path / "interactions.csv", index=False)
    ca.load(store, tmp_path / "interactions.csv")
    as_of = pd.Timestamp("2026-09-01", tz="UTC")
    expr, _ = driver_table_expr(store, outcome="retention", as_of=as_of.isoformat())
    got = expr.execute().set_index("case_id")["outcome"]
    ts = pd.to_datetime(events["ts"])
    cases = (
        events.assign(ts=ts)
        .groupby("case_id")
        .agg(customer=("customer_id", "first"), start=("ts", "min"), end=("ts", "max"))
    )
    horizon = pd.Timedelta(days=90)
    for case, row in cases.iterrows():
        later = cases[(cases["customer"] == row["customer"]) & (cases["start"] > row["end"])]
        if row["end"] + horizon > as_of:
            assert pd.isna(got[case]), case
        else:
            expected = int(len(later) > 0 and later["start"].min() - row["end"] <= horizon)
            assert got[case] == expected, case
    assert got.notna().sum() > 20 and got.isna().sum() > 5
    df = key_drivers(store, outcome="retention", as_of=as_of.isoformat(), resamples=0, min_n=10)
    assert df.attrs["outcome"] == "retention"
    assert df.attrs["rows_excluded"]["no outcome"] == int(got.isna().sum())
