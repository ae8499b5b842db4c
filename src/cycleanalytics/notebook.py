"""What report notebooks call: kernel set-up for offline charts, and small presentation helpers.

Notebooks stay thin: they compute with the metrics and present with the functions here, which
are plain, tested Python. Nothing here runs a notebook; that is :mod:`cycleanalytics.reports`.
"""

from __future__ import annotations

import html
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

RENDERER_NAME = "cycleanalytics"


def plotly_bundle() -> tuple[str, str]:
    import plotly.offline

    bundle = plotly.offline.get_plotlyjs()
    return bundle, f"* plotly.js v{plotly.offline.get_plotlyjs_version()}\n"


_REPORT_CSS = """
<style>
.ca-note { color: #444; font-size: 0.95em; margin: 0.2em 0 0.8em 0; padding-left: 0.2em; }
.ca-takeaway { border-left: 4px solid #1f5f8b; background: #f3f7fa; padding: 0.7em 1em;
  margin: 0.6em 0 1em 0; font-size: 1.05em; }
table.ca-table { border-collapse: collapse; margin: 0.4em 0 1.2em 0; font-size: 0.95em; }
table.ca-table th { text-align: left; border-bottom: 2px solid #1f5f8b; padding: 0.35em 0.9em; }
table.ca-table td { border-bottom: 1px solid #ddd; padding: 0.3em 0.9em; }
table.ca-table td.num, table.ca-table th.num { text-align: right; }
table.ca-table td.text, table.ca-table th.text { text-align: left; }
</style>
"""

_setup_done = False


def setup_notebook() -> None:
    """Prepare a report notebook's kernel; call it in the first code cell.

    Registers a plotly renderer that writes each chart as HTML without its own copy of
    plotly.js (and without MathJax), makes it the default, shows plotly.js inline once so the
    charts work offline, silences warnings in the report, and sets readable pandas display
    options. Calling it again in the same kernel does nothing.
    """
    global _setup_done
    if _setup_done:
        return
    import warnings

    import pandas as pd
    import plotly.io as pio
    from IPython.display import HTML, display
    from plotly.io._base_renderers import MimetypeRenderer

    class ReportRenderer(MimetypeRenderer):
        """Charts as HTML fragments; plotly.js is on the page once, from setup_notebook."""

        def to_mimebundle(self, fig_dict: dict) -> dict[str, str]:
            fragment = pio.to_html(
                fig_dict,
                full_html=False,
                include_plotlyjs=False,
                include_mathjax=False,
                config={"displaylogo": False, "responsive": True},
                validate=False,
            )
            return {"text/html": fragment}

    warnings.filterwarnings("ignore")
    pio.renderers[RENDERER_NAME] = ReportRenderer()
    pio.renderers.default = RENDERER_NAME
    pd.set_option("display.max_rows", 100)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)
    pd.set_option("display.precision", 2)
    bundle, _ = plotly_bundle()
    display(HTML(f'{_REPORT_CSS}<script type="text/javascript">{bundle}</script>'))
    _setup_done = True


def show_text(text: str, *, kind: str = "note") -> None:
    """Show a sentence in a report (``kind`` is ``"note"`` or ``"takeaway"``), HTML-escaped."""
    from IPython.display import HTML, display

    display(HTML(f'<p class="ca-{kind}">{html.escape(text)}</p>'))


def show_table(df: pd.DataFrame) -> None:
    """Show a table in a report: no index, numbers right-aligned, text escaped."""
    from IPython.display import HTML, display

    head = "".join(
        f'<th class="{"num" if _numeric_column(df[c]) else "text"}">{html.escape(str(c))}</th>'
        for c in df.columns
    )
    rows = []
    for values in df.itertuples(index=False):
        cells = "".join(
            f'<td class="{"num" if _numeric_column(df[c]) else "text"}">{html.escape(str(v))}</td>'
            for c, v in zip(df.columns, values, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    display(
        HTML(
            f'<table class="ca-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    )


def _numeric_column(column: pd.Series) -> bool:
    values = column.astype(str)
    return bool(values.str.fullmatch(r"[-\d,.]+%?( \(.*\))?|–").all())


# -- funnel wording ------------------------------------------------------------------------


def _pct(share: float) -> str:
    return "–" if share != share else f"{share:.0%}"  # NaN (nothing to divide) shows a dash


def funnel_table(df: pd.DataFrame) -> pd.DataFrame:
    """The funnel as a plain table for managers: stage, journeys reached, share continuing,
    journeys lost. Counts are written with thousands separators, shares as whole percents."""
    import pandas as pd

    first = df["stage_index"].min()
    return pd.DataFrame(
        {
            "Stage": df["label"].astype(str),
            "Journeys reaching it": [f"{int(n):,}" for n in df["reached"]],
            "Share continuing from the stage before": [
                "–" if k == first else _pct(s)
                for k, s in zip(df["stage_index"], df["conversion"], strict=True)
            ],
            "Journeys lost before it": [
                "–" if k == first else f"{int(n):,}"
                for k, n in zip(df["stage_index"], df["dropped"], strict=True)
            ],
        }
    )


def funnel_by_table(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """A funnel broken down by ``by`` as one row per group: journeys entering, then for each
    later stage the journeys reaching it with their share of the group's entries."""
    import pandas as pd

    rows = []
    for group, part in df.groupby(by, sort=False, dropna=False):
        part = part.sort_values("stage_index")
        label = "not recorded" if group is None or group != group else str(group)
        row: dict[str, str] = {by.replace("_", " ").capitalize(): label}
        first = part["stage_index"].min()
        for stage in part.itertuples(index=False):
            share = "" if stage.stage_index == first else f" ({_pct(stage.from_entry)})"
            row[str(stage.label)] = f"{int(stage.reached):,}{share}"
        rows.append(row)
    return pd.DataFrame(rows)


def funnel_takeaway(df: pd.DataFrame) -> str:
    """One sentence naming the largest drop between consecutive stages of a funnel.

    ``df`` is the table :func:`~cycleanalytics.funnel` returns, without a breakdown.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"stage_index": [1, 2, 3], "label": ["Looking", "Contact", "Service"],
    ...                    "reached": [200, 150, 60], "conversion": [float("nan"), 0.75, 0.4],
    ...                    "dropped": [0, 50, 90]})
    >>> print(funnel_takeaway(df))  # doctest: +NORMALIZE_WHITESPACE
    The largest drop is between Contact and Service: 60% of journeys that reached Contact
    (90 of 150) did not reach Service.
    """
    rows = df.sort_values("stage_index").reset_index(drop=True)
    if rows.empty or int(rows["reached"].iloc[0]) == 0:
        return "No journeys entered the cycle in this selection, so there is nothing to compare."
    best = None
    for k in range(1, len(rows)):
        before, after = rows.iloc[k - 1], rows.iloc[k]
        if int(before["reached"]) == 0:
            continue
        lost = int(before["reached"]) - int(after["reached"])
        share = lost / int(before["reached"])
        if best is None or share > best[0]:
            best = (share, lost, before, after)
    if best is None or best[1] <= 0:
        return "No journeys were lost between the stages in this selection."
    share, lost, before, after = best
    return (
        f"The largest drop is between {before['label']} and {after['label']}: "
        f"{share:.0%} of journeys that reached {before['label']} "
        f"({lost:,} of {int(before['reached']):,}) did not reach {after['label']}."
    )


def funnel_basis(df: pd.DataFrame) -> str:
    """What a funnel's numbers are based on: journeys counted, period, channel, and how many
    journeys of the period were left out (they did not start at the first stage, or came
    through another channel).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"stage_index": [1, 2], "label": ["Looking", "Contact"]})
    >>> df.attrs.update(cases_entered=1200, cases_total=1500, period="2026-01-01 to 2026-03-31",
    ...                 channel="chat")
    >>> print(funnel_basis(df))  # doctest: +NORMALIZE_WHITESPACE
    Based on 1,200 customer journeys that started from 2026-01-01 to 2026-03-31 and entered
    through chat. 300 other journeys of the period are not counted: they did not start with
    Looking or came through another channel.
    """
    attrs = df.attrs
    entered = int(attrs.get("cases_entered", 0))
    total = attrs.get("cases_total")
    period = attrs.get("period") or "all data"
    channel = attrs.get("channel") or "all"
    if period == "all data":
        text = f"Based on {entered:,} customer journeys, from all the data available"
    else:
        text = f"Based on {entered:,} customer journeys that started from {period}"
    text += "." if channel == "all" else f" and entered through {channel}."
    if total is not None and int(total) > entered:
        first = df.sort_values("stage_index")["label"].iloc[0] if len(df) else "the first stage"
        where = "in the data" if period == "all data" else "of the period"
        why = f"they did not start with {first}"
        why += "." if channel == "all" else " or came through another channel."
        text += f" {int(total) - entered:,} other journeys {where} are not counted: {why}"
    return text


def period_text(start: str | date | None, end: str | date | None) -> str | None:
    """The metrics' ``period`` from a report's ``period_start`` and ``period_end``, both days
    included (the metrics' periods end before their end).

    >>> period_text("2026-01-01", "2026-03-31")
    '2026-01-01..2026-04-01'
    >>> period_text(None, None) is None
    True
    """
    from datetime import timedelta

    if not start and not end:
        return None
    first = date.fromisoformat(str(start)).isoformat() if start else ""
    last = (date.fromisoformat(str(end)) + timedelta(days=1)).isoformat() if end else ""
    return f"{first}..{last}"
