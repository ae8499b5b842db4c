"""Tests of the synthetic sample generator (cycleanalytics.sample).

Expected values come from the generator's own parameters (truth.json), checked against
statistics computed here in plain pandas, independently of the cycleanalytics metrics.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cycleanalytics.errors import ParameterError
from cycleanalytics.model import default_model
from cycleanalytics.sample import SampleInfo, generate_sample, sample_dir
from cycleanalytics.schema import COMPLAINTS, CUSTOMERS, INTERACTIONS

FILES = ("interactions.csv", "complaints.csv", "customers.csv", "truth.json")
FUNNEL = ("pre_interaction", "initial_interaction", "service_delivery", "follow_up")
TIME_COLUMNS = {
    "interactions": ("ts",),
    "complaints": ("opened_at", "first_response_at", "resolved_at"),
    "customers": ("first_seen", "churned_at"),
}


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False).replace(
            "", None
        )
        for name in ("interactions", "complaints", "customers")
    }


def _truth(folder: Path) -> dict:
    return json.loads((folder / "truth.json").read_text(encoding="utf-8"))


def _times(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, format="%Y-%m-%dT%H:%M:%SZ", utc=True)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate_sample(out, customers=300, months=3, seed=11)
    return out


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("large")
    generate_sample(out, customers=3000, seed=3)
    return out


# -- determinism ------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    a = generate_sample(tmp_path / "a", customers=80, months=2, seed=5)
    b = generate_sample(tmp_path / "b", customers=80, months=2, seed=5)
    for name in FILES:
        assert (a.out / name).read_bytes() == (b.out / name).read_bytes(), name


def test_different_seed_gives_different_files(tmp_path: Path) -> None:
    a = generate_sample(tmp_path / "a", customers=80, months=2, seed=5)
    b = generate_sample(tmp_path / "b", customers=80, months=2, seed=6)
    for name in ("interactions.csv", "customers.csv"):
        assert (a.out / name).read_bytes() != (b.out / name).read_bytes(), name


def test_committed_sample_equals_a_fresh_default_run(tmp_path: Path) -> None:
    """The committed data/sample can never drift from the generator."""
    info = generate_sample(tmp_path)
    committed = sample_dir()
    for name in FILES:
        assert (committed / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"data/sample/{name} differs from generate_sample() with defaults; regenerate it "
            "with `cycleanalytics sample --out data/sample` and update data/sample/README.md"
        )
    assert (committed / "README.md").exists()
    text = (committed / "README.md").read_text(encoding="utf-8")
    for kind, count in info.rows.items():
        assert f"{count:,}" in text, f"README row count of {kind} is stale"


def test_sample_info_describes_what_was_written(tmp_path: Path) -> None:
    info = generate_sample(tmp_path / "new" / "folder", customers=30, months=1)
    assert isinstance(info, SampleInfo)
    assert set(info.files) == {"interactions", "complaints", "customers", "truth"}
    assert all(path.exists() for path in info.files.values())
    tables = _read(info.out)
    assert info.rows == {name: len(df) for name, df in tables.items()}
    assert info.rows["customers"] == 30
    assert _truth(info.out)["rows"] == info.rows


def test_files_use_unix_newlines(small: Path) -> None:
    for name in FILES:
        data = (small / name).read_bytes()
        assert b"\r" not in data and data.endswith(b"\n"), name


@pytest.mark.parametrize("kwargs", [{"customers": 0}, {"months": 0}, {"start": "01/02/2026"}])
def test_bad_arguments_raise_parameter_error(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(ParameterError):
        generate_sample(tmp_path, **kwargs)


# -- shape and ranges ---------------------------------------------------------------------------


def test_columns_are_exactly_the_canonical_ones(small: Path) -> None:
    tables = _read(small)
    for name, table in (
        ("interactions", INTERACTIONS),
        ("complaints", COMPLAINTS),
        ("customers", CUSTOMERS),
    ):
        # every canonical column but a complaint's `closed` status: the simulated service
        # records when each complaint was resolved
        expected = [
            c.name for c in table.data_columns if (name, c.name) != ("complaints", "closed")
        ]
        assert tuple(tables[name].columns) == tuple(expected)


def test_ids_are_unique_and_well_formed(small: Path) -> None:
    t = _read(small)
    assert t["interactions"]["interaction_id"].is_unique
    assert t["complaints"]["complaint_id"].is_unique
    assert t["customers"]["customer_id"].is_unique
    assert t["interactions"]["case_id"].str.fullmatch(r"K\d{6}").all()
    assert t["customers"]["customer_id"].str.fullmatch(r"C\d{5}").all()
    assert t["complaints"]["complaint_id"].str.fullmatch(r"P\d{6}").all()
    agents = t["interactions"]["agent_id"].dropna()
    assert agents.str.fullmatch(r"A\d{3}").all()
    assert set(t["interactions"]["customer_id"]) <= set(t["customers"]["customer_id"])
    linked = t["complaints"]["case_id"].dropna()
    assert set(linked) <= set(t["interactions"]["case_id"])


def test_timestamps_lie_within_the_window(small: Path) -> None:
    tables = _read(small)
    truth = _truth(small)
    start, as_of = pd.Timestamp(truth["start"]), pd.Timestamp(truth["as_of"])
    assert as_of == pd.Timestamp("2026-04-01T00:00:00Z")
    for name, columns in TIME_COLUMNS.items():
        for column in columns:
            values = _times(tables[name][column]).dropna()
            assert ((values >= start) & (values < as_of)).all(), f"{name}.{column}"


def test_scores_lie_in_their_scales(small: Path) -> None:
    i = _read(small)["interactions"]
    for column, low, high in (("csat", 1, 5), ("nps", 0, 10), ("ces", 1, 7)):
        values = i[column].dropna().astype(int)
        assert len(values) > 0
        assert values.between(low, high).all(), column
    after = _read(small)["complaints"]["csat_after"].dropna().astype(int)
    assert after.between(1, 5).all()


def test_numbers_and_categories_are_valid(small: Path) -> None:
    t = _read(small)
    i, c = t["interactions"], t["complaints"]
    assert (i["duration_s"].astype(float) >= 0).all()
    assert (i["cost"].astype(float) >= 0).all()
    assert i["cost"].str.fullmatch(r"\d+\.\d\d").all()
    assert set(i["stage"].dropna()) <= {*FUNNEL, "service_recovery"}
    assert set(i["channel"]) <= {"web", "phone", "email", "chat", "store"}
    assert set(c["category"]) <= {
        "communication",
        "customer_psychology",
        "complaint_handling",
        "image",
        "product",
        "other",
    }
    assert set(c["severity"]) <= {"low", "medium", "high", "major"}
    assert set(c["channel"]) <= {"web", "referral", "phone", "postal_mail", "fax"}
    assert set(c["recovery_action"]) <= {
        "refund",
        "discount",
        "extra_service",
        "apology",
        "replacement",
        "none",
    }
    assert set(c["reopened"]) <= {"true", "false"}
    assert set(t["customers"]["segment"]) <= {"consumer", "small_business", "enterprise"}


def test_complaint_times_are_ordered(small: Path) -> None:
    c = _read(small)["complaints"]
    opened = _times(c["opened_at"])
    first = _times(c["first_response_at"])
    resolved = _times(c["resolved_at"])
    assert (first.dropna() >= opened[first.notna()]).all()
    assert (resolved.dropna() >= opened[resolved.notna()]).all()
    both = first.notna() & resolved.notna()
    assert (resolved[both] >= first[both]).all()
    assert c.loc[resolved.isna(), "csat_after"].isna().all()


def test_stage_column_agrees_with_the_default_model_aliases(small: Path) -> None:
    """Where the default model maps an activity label, it maps it to the same stage."""
    model = default_model()
    pairs = _read(small)["interactions"][["activity", "stage"]].drop_duplicates()
    for activity, stage in pairs.itertuples(index=False):
        mapped = model.stage_of(activity)
        if stage is None:
            assert mapped is None, activity
        elif mapped is not None:
            assert mapped == stage, activity


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    customers=st.integers(1, 40),
    months=st.integers(1, 14),
    start=st.dates(
        min_value=pd.Timestamp("2020-01-01").date(), max_value=pd.Timestamp("2030-12-31").date()
    ),
)
def test_invariants_hold_for_any_arguments(
    tmp_path_factory: pytest.TempPathFactory, seed: int, customers: int, months: int, start
) -> None:
    out = tmp_path_factory.mktemp("prop")
    generate_sample(out, customers=customers, months=months, seed=seed, start=start.isoformat())
    tables = _read(out)
    truth = _truth(out)
    lo, hi = pd.Timestamp(truth["start"]), pd.Timestamp(truth["as_of"])
    assert lo == pd.Timestamp(start.isoformat(), tz="UTC")
    for name, columns in TIME_COLUMNS.items():
        for column in columns:
            values = _times(tables[name][column]).dropna()
            assert ((values >= lo) & (values < hi)).all(), f"{name}.{column}"
    assert len(tables["customers"]) == customers
    assert tables["customers"]["first_seen"].notna().all()
    c = tables["complaints"]
    opened, resolved = _times(c["opened_at"]), _times(c["resolved_at"])
    assert (resolved.dropna() >= opened[resolved.notna()]).all()


# -- ground truth -------------------------------------------------------------------------------


def test_truth_funnel_conversion_is_a_probability(small: Path) -> None:
    conversion = _truth(small)["funnel_conversion"]
    values = [*conversion["overall"].values()]
    for by_stage in conversion["by_channel"].values():
        values.extend(by_stage.values())
    assert len(values) == 3 * 6
    assert all(0 < v < 1 for v in values)


def test_truth_json_is_sorted_and_indented(small: Path) -> None:
    text = (small / "truth.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def _ordered_funnel(interactions: pd.DataFrame) -> pd.DataFrame:
    """Per case entering at pre_interaction: whether it reached each stage (DESIGN §3),
    and the case channel (channel of its first event). Plain pandas, no cycleanalytics."""
    events = interactions.assign(ts=_times(interactions["ts"])).sort_values(
        ["case_id", "ts", "interaction_id"]
    )
    channel = events.groupby("case_id")["channel"].first()
    staged = events.dropna(subset=["stage"])
    reach = staged[staged["stage"] == FUNNEL[0]].groupby("case_id")["ts"].min().rename(FUNNEL[0])
    cases = reach.to_frame()
    for previous, stage in itertools.pairwise(FUNNEL):
        candidates = staged[staged["stage"] == stage].merge(
            cases[[previous]].dropna(), left_on="case_id", right_index=True
        )
        candidates = candidates[candidates["ts"] >= candidates[previous]]
        cases[stage] = candidates.groupby("case_id")["ts"].min()
    cases["channel"] = channel
    return cases


def _check_conversion(cases: pd.DataFrame, expected: dict[str, float], label: str) -> None:
    for previous, stage in itertools.pairwise(FUNNEL):
        n = int(cases[previous].notna().sum())
        k = int(cases[stage].notna().sum())
        p = expected[stage]
        se = math.sqrt(p * (1 - p) / n)
        assert abs(k / n - p) <= 4 * se, f"{label} {stage}: {k}/{n} vs truth {p}"


def test_ordered_funnel_recovers_the_true_conversion(large: Path) -> None:
    cases = _ordered_funnel(_read(large)["interactions"])
    truth = _truth(large)["funnel_conversion"]
    assert len(cases) > 3000
    _check_conversion(cases, truth["overall"], "overall")
    for channel, expected in truth["by_channel"].items():
        _check_conversion(cases[cases["channel"] == channel], expected, channel)


def test_cases_enter_at_stage_two_in_the_true_share(large: Path) -> None:
    """Among cases with a funnel event, the share without pre_interaction matches truth."""
    i = _read(large)["interactions"]
    truth = _truth(large)
    first = i.assign(ts=_times(i["ts"])).sort_values(["case_id", "ts", "interaction_id"])
    channel = first.groupby("case_id")["channel"].first()
    has_pre = i[i["stage"] == "pre_interaction"].groupby("case_id").size().reindex(channel.index)
    for ch, share in truth["funnel"]["pre_interaction_unrecorded"].items():
        in_channel = has_pre[channel == ch]
        n = len(in_channel)
        observed = float(in_channel.isna().mean())
        assert abs(observed - share) <= 4 * math.sqrt(share * (1 - share) / n), ch


def test_complaint_mixes_follow_the_calibration(large: Path) -> None:
    c = _read(large)["complaints"]
    truth = _truth(large)["complaints"]
    n = len(c)
    for column, mix in (("severity", truth["severity_mix"]), ("channel", truth["channel_mix"])):
        shares = c[column].value_counts(normalize=True)
        for value, p in mix.items():
            se = math.sqrt(p * (1 - p) / n)
            assert abs(shares.get(value, 0.0) - p) <= 4 * se + 1e-3, (column, value)


def test_better_recovery_actions_fail_less(large: Path) -> None:
    """The CFPB gradient: low satisfaction after recovery is rarer after monetary relief."""
    c = _read(large)["complaints"].dropna(subset=["csat_after"])
    low = c["csat_after"].astype(int) <= 2
    monetary = c["recovery_action"].isin(["refund", "discount"])
    explanation = c["recovery_action"] == "apology"
    assert low[monetary].mean() < low[explanation].mean()


def test_satisfaction_is_calibrated(large: Path) -> None:
    i = _read(large)["interactions"]
    truth = _truth(large)["satisfaction"]
    surveys = i[i["activity"] == "Satisfaction survey"]
    answered = surveys["csat"].notna()
    rate = truth["survey"]["response_rate"]
    assert abs(answered.mean() - rate) <= 4 * math.sqrt(rate * (1 - rate) / len(surveys))
    top_box = (surveys["csat"].dropna().astype(int) >= 4).mean()
    # history shifts satisfaction a little around the no-failure calibration of 43.5%
    assert abs(top_box - truth["csat_top_box_no_failure"]) < 0.05


def test_realism_features_are_present(small: Path) -> None:
    t = _read(small)
    i, c, customers = t["interactions"], t["complaints"], t["customers"]
    events = i.assign(ts=_times(i["ts"])).sort_values(["case_id", "ts", "interaction_id"])
    staged = events.dropna(subset=["stage"])
    rank = staged["stage"].map({s: n for n, s in enumerate(FUNNEL)})
    previous_max = rank.groupby(staged["case_id"]).cummax().groupby(staged["case_id"]).shift()
    same_as_previous = staged["stage"].eq(staged.groupby("case_id")["stage"].shift())

    assert (rank < previous_max).sum() > 0, "backward moves"
    assert same_as_previous.sum() > 0, "repeated stages"
    assert i["stage"].isna().sum() > 0, "activities mapped to no stage"
    assert set(i.loc[i["stage"].isna(), "activity"]) >= {"Internal note", "Wait"}
    assert events.duplicated(["case_id", "ts"]).sum() > 0, "timestamp ties"
    assert (i["stage"] == "service_recovery").sum() > 0, "service recovery"
    assert c["resolved_at"].isna().sum() > 0, "open complaints"
    assert c["case_id"].isna().sum() > 0, "complaints without a case"
    assert (c["reopened"] == "true").sum() > 0, "reopened complaints"
    assert customers["churned_at"].notna().sum() > 0, "churned customers"
    per_case = i.groupby("case_id")["channel"].nunique()
    assert (per_case > 1).sum() > 0, "cases touching more than one channel"
    first_stage = staged.groupby("case_id")["stage"].first()
    assert set(first_stage) >= {"pre_interaction", "initial_interaction"}, "two entry stages"


def test_churn_is_more_common_after_failed_recovery(large: Path) -> None:
    t = _read(large)
    c = t["complaints"].dropna(subset=["csat_after"])
    failed = set(c.loc[c["csat_after"].astype(int) <= 2, "customer_id"])
    recovered = set(c.loc[c["csat_after"].astype(int) >= 4, "customer_id"]) - failed
    churned = t["customers"].set_index("customer_id")["churned_at"].notna()
    assert churned[sorted(failed)].mean() > churned[sorted(recovered)].mean()
    assert churned.mean() < churned[sorted(failed)].mean()


def test_default_sample_is_small_and_quick(tmp_path: Path) -> None:
    import time

    began = time.perf_counter()
    generate_sample(tmp_path)
    elapsed = time.perf_counter() - began
    size = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert size < 5_000_000
    assert elapsed < 10  # a couple of seconds in practice; generous for slow CI machines
