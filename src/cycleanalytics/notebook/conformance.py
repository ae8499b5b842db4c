"""The conformance report's wording: fitness table, paths, rules and the takeaway."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cycleanalytics.notebook.words import count_text, pct_text, share_text

if TYPE_CHECKING:
    import pandas as pd

    from cycleanalytics.model import CycleModel


_CONFORMANCE_ROWS = (
    ("coverage", "coverage", "events_mapped", "events"),
    ("conforming", "conforming_share", "conforming_cases", "cases"),
    ("skipped", "skipped_share", "skipped_cases", "cases"),
    ("backward", "backward_share", "backward_cases", "cases"),
    ("repeats", "repeats_share", "repeats_cases", "cases"),
)


def conformance_table(df: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The one-row :func:`~cycleanalytics.metrics.conformance` table as a plain table:
    measure, share with its 95% interval, and the count behind it ("n of N"); then the
    recoveries without a dissatisfied answer and the two fitness values."""
    import pandas as pd

    from cycleanalytics.i18n import localize_number, t

    def n_of(n: Any, total: Any) -> str:
        return t(
            "word.n_of", language, n=count_text(n, language), total=count_text(total, language)
        )

    row = df.iloc[0]
    rows = [
        (
            t(f"conf.row.{key}", language),
            share_text(row[share], row[f"{share}_lo"], row[f"{share}_hi"], language),
            n_of(row[hits], row[base]),
        )
        for key, share, hits, base in _CONFORMANCE_ROWS
    ]
    rows.append(
        (
            t("conf.row.recovery", language),
            share_text(row["recovery_without_dissatisfaction_share"], language=language),
            n_of(row["recovery_without_dissatisfaction"], row["recovery_cases"]),
        )
    )
    rows.append(
        (
            t("conf.row.transition_fitness", language),
            localize_number(f"{row['transition_fitness']:.3f}", language),
            n_of(row["transitions_allowed"], row["transitions"]),
        )
    )
    rows.append(
        (
            t("conf.row.token_fitness", language),
            localize_number(f"{row['token_fitness']:.3f}", language),
            "–",
        )
    )
    columns = [t(f"conf.col.{c}", language) for c in ("measure", "value", "count")]
    return pd.DataFrame(rows, columns=columns)


def conformance_takeaway(df: pd.DataFrame, language: str = "en") -> str:
    """One sentence: how many journeys follow the model, and the commonest deviation.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"cases": [200], "conforming_cases": [120], "conforming_share": [0.6],
    ...     "skipped_share": [0.05], "backward_share": [0.1], "repeats_share": [0.3]})
    >>> print(conformance_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    120 of 200 journeys (60%) follow the cycle model exactly. The commonest deviation is
    repeating a stage (30% of journeys).
    """
    from cycleanalytics.i18n import t

    row = df.iloc[0]
    cases = int(row["cases"])
    if cases == 0:
        return t("conf.say.empty", language)
    text = t(
        "conf.say.conforming",
        language,
        n=count_text(row["conforming_cases"], language),
        cases=count_text(cases, language),
        share=pct_text(row["conforming_share"], language),
    )
    deviations = {
        "skipped": row["skipped_share"],
        "backward": row["backward_share"],
        "repeats": row["repeats_share"],
        "late_start": row.get("late_start_share", 0),
    }
    name, share = max(deviations.items(), key=lambda kv: kv[1])
    if share > 0:
        text += t(
            "conf.say.deviation",
            language,
            name=t(f"conf.say.{name}", language),
            share=pct_text(share, language),
        )
    return text


def path_text(variant: str, language: str = "en", model: CycleModel | None = None) -> str:
    """A stage path of :func:`~cycleanalytics.metrics.variants` (``"a > b"``) with its
    stages' names in ``language`` (the cycle ``model``'s own names first).

    >>> path_text("pre_interaction > follow_up", "id")
    'Pra-interaksi → Tindak lanjut'
    """
    from cycleanalytics.i18n import stage_label

    return " → ".join(stage_label(s, language, model) for s in str(variant).split(" > "))


def variants_table(
    df: pd.DataFrame, *, top: int = 10, language: str = "en", model: CycleModel | None = None
) -> pd.DataFrame:
    """The ``top`` commonest paths of a :func:`~cycleanalytics.metrics.variants` table, with
    stage names, journeys, share (95% interval), whether the model allows them and fitness.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"variant": ["pre_interaction > follow_up"], "cases": [1200],
    ...     "share": [0.25], "share_lo": [0.2], "share_hi": [0.3], "conforming": [False],
    ...     "fitness": [0.5]})
    >>> variants_table(df).iloc[0].tolist()
    ['Pre-interaction → Follow-up', '1,200', '25.0% (20.0–30.0%)', 'no', '0.50']
    """
    import pandas as pd

    from cycleanalytics.i18n import localize_number, t

    part = df.head(top)
    return pd.DataFrame(
        {
            t("conf.col.path", language): [path_text(v, language, model) for v in part["variant"]],
            t("conf.col.journeys", language): [count_text(n, language) for n in part["cases"]],
            t("conf.col.share", language): [
                share_text(s, lo, hi, language)
                for s, lo, hi in zip(part["share"], part["share_lo"], part["share_hi"], strict=True)
            ],
            t("conf.col.allowed", language): [
                t("word.yes" if c else "word.no", language) for c in part["conforming"]
            ],
            t("conf.col.fitness", language): [
                localize_number(f"{f:.2f}", language) for f in part["fitness"]
            ],
        }
    )


def rule_text(
    rule: str, description: str, language: str = "en", model: CycleModel | None = None
) -> str:
    """A conformance rule in words: its kind and stages named in ``language`` (English
    included: the metric's own description names stages by their identifiers; the cycle
    ``model``'s own names first), or its description when the catalogue has no wording for
    its kind.

    >>> rule_text("precedence(pre_interaction, follow_up)", "every follow_up is preceded ...", "id")
    'Setiap Tindak lanjut didahului oleh Pra-interaksi'
    >>> rule_text("starts_with(pre_interaction)", "the journey starts with pre_interaction")
    'The journey starts with Pre-interaction'
    """

    from cycleanalytics.i18n import TEXTS, check_language, stage_label, t

    check_language(language)
    match = re.fullmatch(r"(\w+)\((.*)\)", str(rule).strip())
    if not match or f"conf.rule.{match[1]}" not in TEXTS:
        return str(description).capitalize()
    args = [a.strip() for a in match[2].split(",") if a.strip()]
    names = dict(zip("ab", (stage_label(a, language, model) for a in args), strict=False))
    try:
        return (
            t(f"conf.rule.{match[1]}", language, **names)
            if names
            else t(f"conf.rule.{match[1]}", language)
        )
    except (KeyError, IndexError):
        return str(description).capitalize()


def with_path_labels(
    df: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> pd.DataFrame:
    """A copy of a :func:`~cycleanalytics.metrics.variants` table whose paths name their
    stages in ``language`` (for its chart), English included.

    >>> import pandas as pd
    >>> paths = pd.DataFrame({"variant": ["pre_interaction > follow_up"]})
    >>> with_path_labels(paths, "ms")["variant"].tolist(), with_path_labels(paths)["variant"][0]
    (['Pra-interaksi → Susulan'], 'Pre-interaction → Follow-up')
    """
    from cycleanalytics.i18n import check_language

    check_language(language)
    out = df.copy()
    out["variant"] = [path_text(v, language, model) for v in out["variant"]]
    return out


def with_rule_texts(
    df: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> pd.DataFrame:
    """A copy of a :func:`~cycleanalytics.metrics.conformance_rules` table whose
    ``description`` is the rule in ``language`` (:func:`rule_text`), for its chart."""
    from cycleanalytics.i18n import check_language

    check_language(language)
    out = df.copy()
    if "rule" in out:
        out["description"] = [
            rule_text(r, d, language, model)
            for r, d in zip(out["rule"], out["description"], strict=True)
        ]
    return out


def rules_table(
    df: pd.DataFrame, language: str = "en", model: CycleModel | None = None
) -> pd.DataFrame:
    """A :func:`~cycleanalytics.metrics.conformance_rules` table in words: rule, journeys
    passing ("n of N") and share passing (95% interval)."""
    import pandas as pd

    from cycleanalytics.i18n import t

    rules = df["rule"] if "rule" in df else df["description"]
    return pd.DataFrame(
        {
            t("conf.col.rule", language): [
                rule_text(r, d, language, model)
                for r, d in zip(rules, df["description"], strict=True)
            ],
            t("conf.col.passing", language): [
                t("word.n_of", language, n=count_text(p, language), total=count_text(n, language))
                for p, n in zip(df["passing"], df["cases"], strict=True)
            ],
            t("conf.col.share_passing", language): [
                share_text(s, lo, hi, language)
                for s, lo, hi in zip(df["share"], df["share_lo"], df["share_hi"], strict=True)
            ],
        }
    )


def activity_takeaway(
    paths: pd.DataFrame, duration: pd.DataFrame, language: str = "en"
) -> str | None:
    """What the activity level adds to the stage view, in two sentences: how many different
    activity paths the journeys take and how much of them the commonest cover (from a
    :func:`~cycleanalytics.metrics.variants` table with ``level="activity", top=N,
    other=True``), and how long a journey lasts from its first to its last event (from
    :func:`~cycleanalytics.metrics.case_duration`). None when no activity is recorded.

    >>> import pandas as pd
    >>> paths = pd.DataFrame({"variant": ["A > B", "A > C", "other (3 variants)"],
    ...     "length": pd.array([2, 2, None], dtype="Int64"), "cases": [60, 30, 10],
    ...     "share": [0.6, 0.3, 0.1]})
    >>> paths.attrs.update(cases=100, variants=5)
    >>> duration = pd.DataFrame({"cases": [100], "median_hours": [60.0], "p90_hours": [30.0]})
    >>> print(activity_takeaway(paths, duration))  # doctest: +NORMALIZE_WHITESPACE
    At the level of single activities, the 100 journeys take 5 different paths; the 2
    commonest cover 90% of them. From first to last recorded event a journey takes 2.5 days
    (median); 90% take at most 30.0 h.
    """
    from cycleanalytics.i18n import nt
    from cycleanalytics.notebook.tiles import duration_text

    shown = paths[paths["length"].notna()]
    if shown.empty:
        return None
    said = nt(
        "conf.say.activities",
        int(paths.attrs.get("variants", len(shown))),
        language,
        cases=count_text(paths.attrs.get("cases", paths["cases"].sum()), language),
        variants=count_text(paths.attrs.get("variants", len(shown)), language),
        top=count_text(len(shown), language),
        share=pct_text(float(shown["share"].sum()), language),
    )
    if not duration.empty and duration["median_hours"].iloc[0] == duration["median_hours"].iloc[0]:
        from cycleanalytics.i18n import t

        said += " " + t(
            "conf.say.duration",
            language,
            median=duration_text(float(duration["median_hours"].iloc[0]), language),
            p90=duration_text(float(duration["p90_hours"].iloc[0]), language),
        )
    return said


def activity_paths_table(df: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The activity paths of a :func:`~cycleanalytics.metrics.variants` table (``level=
    "activity"``, with ``top`` and ``other``): the path as the activities' own names, journeys
    and share with its interval; the row gathering the rest says how many paths it holds.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"variant": ["Open > Close", "other (4 variants)"],
    ...     "length": pd.array([2, None], dtype="Int64"), "cases": [90, 10],
    ...     "share": [0.9, 0.1], "share_lo": [0.8, 0.05], "share_hi": [0.95, 0.2]})
    >>> df.attrs.update(variants=5)
    >>> activity_paths_table(df, "id").iloc[:, 0].tolist()
    ['Open → Close', '4 jalur lainnya']
    """
    import pandas as pd

    from cycleanalytics.i18n import nt, t

    rest = int(df.attrs.get("variants", len(df))) - int(df["length"].notna().sum())
    names = [
        " → ".join(str(v).split(" > "))
        if pd.notna(n)
        else nt("conf.other_paths", rest, language, n=count_text(rest, language))
        for v, n in zip(df["variant"], df["length"], strict=True)
    ]
    return pd.DataFrame(
        {
            t("conf.col.path", language): names,
            t("conf.col.journeys", language): [count_text(n, language) for n in df["cases"]],
            t("conf.col.share", language): [
                share_text(s, lo, hi, language)
                for s, lo, hi in zip(df["share"], df["share_lo"], df["share_hi"], strict=True)
            ],
        }
    )
