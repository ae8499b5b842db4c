from __future__ import annotations

import pandas as pd

from cycleanalytics.plots import group_labels


def test_group_labels_join_columns_and_name_missing_values():
    df = pd.DataFrame({"channel": ["web", None], "segment": ["retail", "enterprise"], "n": [1, 2]})
    assert group_labels(df, ["channel", "segment"]).tolist() == [
        "web / retail",
        "(none) / enterprise",
    ]


def test_group_labels_without_breakdown():
    df = pd.DataFrame({"n": [1, 2]})
    assert group_labels(df, []).tolist() == ["all", "all"]
    assert group_labels(df, [], default="all journeys").tolist() == ["all journeys"] * 2
