"""Tidy result frames: what the registry does to every metric's DataFrame before it is
returned (stage order, integer counts, periods, a readable one-row display)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from cycleanalytics.metrics._common import as_list

# -- tidy result frames --------------------------------------------------------------------------

#: Columns that hold a stage id, made ordered categoricals in the model's order.
STAGE_COLUMNS = ("stage", "from_stage", "to_stage", "source", "target")
#: Float columns with these names (or ending ``_n``, ``_count``) are counts.
COUNT_COLUMNS = frozenset(
    {"cases", "complaints", "events", "interactions", "responses", "reached", "dropped"}
    | {"count", "n", "items", "due", "open", "resolved", "censored", "customers"}
)
#: pandas period frequencies of the time grains.
PERIOD_FREQUENCIES = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}


def tidy(df: pd.DataFrame, arguments: Mapping[str, object]) -> pd.DataFrame:
    """A metric's result as an analyst wants it in a notebook (the registry applies it to
    every metric): stage columns as ordered categoricals in the model's order (pivots and
    sorts follow the cycle), whole counts as integers (``Int64`` where some are missing),
    time-grain columns as pandas periods (``2026-03``, ``2026Q1``, ``2026``), and the frame a
    :class:`MetricFrame` (a one-row result shows as a transposed table with its definition).
    ``attrs`` are kept. Missing values stay missing (NaN/NA); figures draw them as
    :data:`cycleanalytics.plots.MISSING_LABEL`.

    >>> import cycleanalytics as ca
    >>> with ca.Store() as store:
    ...     _ = ca.load(store, ca.sample_dir())
    ...     df = ca.metrics.funnel(store, by="quarter")
    >>> df["stage"].cat.categories[0], str(df["quarter"].iloc[0]), df["reached"].dtype
    ('pre_interaction', '2026Q1', dtype('int64'))
    """
    if not isinstance(df, pd.DataFrame) or df.columns.has_duplicates:
        return df
    attrs = df.attrs
    df.attrs = {}  # pandas deep-copies attrs at every column access: put them back at the end
    order = _stage_order(arguments.get("model"))
    for column in STAGE_COLUMNS:
        if column in df.columns and df[column].dtype != "category" and order is not None:
            values = df[column].dropna()
            if values.map(lambda v: isinstance(v, str)).all():
                extra = sorted(set(values) - set(order))
                dtype = pd.CategoricalDtype([*order, *extra], ordered=True)
                df[column] = df[column].astype(dtype)
    for column in df.columns:
        series = df[column]
        if series.dtype.kind == "f" and _is_count(str(column)):
            values = series.dropna()
            if (values == values.round()).all():
                df[column] = series.astype("Int64" if series.isna().any() else "int64")
    grains = [g for g in as_list(arguments.get("by")) if g in PERIOD_FREQUENCIES]  # type: ignore[arg-type]
    grain = arguments.get("grain")
    if isinstance(grain, str) and grain in PERIOD_FREQUENCIES:
        grains += [c for c in ("period", "previous") if c in df.columns]
    for column in grains:
        if column in df.columns and df[column].dtype.kind == "M":
            freq = PERIOD_FREQUENCIES[column if column in PERIOD_FREQUENCIES else grain]  # type: ignore[index]
            series = df[column]
            if series.dt.tz is not None:
                series = series.dt.tz_convert("UTC").dt.tz_localize(None)
            df[column] = series.dt.to_period(freq)
    out = MetricFrame(df)
    out.attrs = attrs
    return out


class SharedColumns(dict):
    """Columns of a large side result kept in ``attrs`` (e.g. a Kaplan-Meier curve of a
    million points): pandas deep-copies ``attrs`` into every frame it derives, so these are
    read-only arrays shared instead of copied. ``pd.DataFrame(shared)`` reads them.

    >>> import copy
    >>> shared = SharedColumns({"hours": [0.0, 1.5]})
    >>> copy.deepcopy(shared) is shared, shared["hours"].tolist()
    (True, [0.0, 1.5])
    """

    def __init__(self, columns: Mapping[str, object]) -> None:
        arrays = {}
        for name, values in columns.items():
            array = np.asarray(values)
            array.flags.writeable = False
            arrays[name] = array
        super().__init__(arrays)

    def __copy__(self) -> SharedColumns:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> SharedColumns:
        return self


def _is_count(name: str) -> bool:
    return name in COUNT_COLUMNS or name.endswith(("_n", "_count"))


def _stage_order(model: object) -> tuple[str, ...] | None:
    from cycleanalytics.model import CycleModel, resolve_model

    try:
        return resolve_model(model if isinstance(model, CycleModel | str) else None).order
    except Exception:  # a model that cannot be read was refused by the metric already
        return None


class MetricFrame(pd.DataFrame):
    """A metric's result: a pandas DataFrame (everything derived from it is a plain one) whose
    notebook display of a one-row result is a transposed table (one measure per line) under
    its definition line, so a 30-column result reads at a glance."""

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def to_json(self, *args: Any, **kwargs: Any) -> Any:
        """pandas' ``to_json``, with time periods written as their labels (``"2026-03"``),
        which JSON has no type for."""
        periods = [c for c in self.columns if isinstance(self[c].dtype, pd.PeriodDtype)]
        if not periods:
            return super().to_json(*args, **kwargs)
        plain = pd.DataFrame(self)
        plain[periods] = plain[periods].astype(str)
        return plain.to_json(*args, **kwargs)

    def _repr_html_(self) -> str | None:
        if len(self) != 1 or len(self.columns) <= 6:
            return super()._repr_html_()
        import html

        definition = self.attrs.get("definition") or {}
        head = ""
        if definition:
            name = html.escape(str(definition.get("name", "")))
            summary = html.escape(str(definition.get("summary", "")))
            unit = html.escape(str(definition.get("unit", "")))
            head = f"<p><b>{name}</b>: {summary}" + (f" <i>({unit})</i>" if unit else "") + "</p>"
            filters = {k: v for k, v in (self.attrs.get("filters") or {}).items() if v}
            if filters:
                shown = ", ".join(f"{k}={v}" for k, v in filters.items())
                head += f"<p>filters: {html.escape(shown)}</p>"
        row = self.iloc[0]
        body = pd.DataFrame({"value": [_cell(v) for v in row]}, index=list(self.columns))
        return head + body.to_html()


def _cell(value: object) -> str:
    """One value of a one-row result as the transposed table shows it."""
    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    return str(value)
