from __future__ import annotations

import importlib.util
import re
import shutil

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import cycleanalytics as ca
from cycleanalytics.errors import OptionError
from cycleanalytics.metrics import REGISTRY
from cycleanalytics.plots import (
    MISSING_LABEL,
    NOTEBOOK_RENDERER,
    figure_title,
    group_labels,
    save_figure,
    top_groups,
    with_missing_label,
)


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


# -- figures an analyst can use (#18) ---------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    with ca.Store() as store:
        ca.load(store, ca.sample_dir())
        yield store


def _has_hover(trace: go.BaseTraceType) -> bool:
    return bool(trace.hovertemplate) or trace.hoverinfo == "skip"


@pytest.mark.parametrize("name", sorted(n for n in REGISTRY if REGISTRY[n].plot is not None))
def test_every_figure_has_a_title_from_its_metric_and_hover_text_on_every_trace(sample, name):
    spec = REGISTRY[name]
    fig = spec.plot(spec.compute(sample))
    title = name.replace("_", " ").capitalize()
    assert fig.layout.title.text == title
    # a band drawn under a line says nothing of its own (hoverinfo="skip"): the line does
    assert all(_has_hover(t) for t in fig.data), [t.name for t in fig.data if not _has_hover(t)]
    assert any(t.hovertemplate for t in fig.data)
    fig.to_json()  # writable (periods, categoricals)


def test_the_title_names_the_breakdown_and_the_filters(sample):
    df = ca.metrics.satisfaction(sample, by="month", period="2026-Q1", channel="chat")
    assert ca.metrics.plot_satisfaction(df).layout.title.text == (
        "Satisfaction by month · 2026-01-01 to 2026-03-31 · channel chat"
    )
    assert ca.metrics.plot_satisfaction(df, title="").layout.title.text is None
    assert ca.metrics.plot_satisfaction(df, title="Mine").layout.title.text == "Mine"
    assert figure_title(pd.DataFrame({"x": [1]})) is None  # not a metric's frame


def test_months_are_drawn_on_a_date_axis(sample):
    fig = ca.metrics.plot_satisfaction(ca.metrics.satisfaction(sample, by="month"))
    assert str(fig.data[0].x[0]).startswith("2026-01-01")


def test_a_wide_breakdown_draws_the_twelve_largest_groups_and_other(sample):
    df = ca.metrics.satisfaction(sample, by="agent_id")
    assert len(df) > 13
    bars = ca.metrics.plot_satisfaction(df).data[0]
    assert len(bars.x) == 13
    assert bars.x[-1] == f"other ({len(df) - 12} groups)"


def test_top_groups_sums_counts_and_leaves_rates_missing():
    """Hand-made: teams a..d with 5, 1, 3, 2 cases; the two largest are a and c."""
    df = pd.DataFrame({"team": list("abcd"), "cases": [5, 1, 3, 2], "share": [0.1, 0.2, 0.3, 0.4]})
    out = top_groups(df, ["team"], "cases", n=2)
    assert out["team"].tolist() == ["a", "c", "other (2 groups)"]
    assert out["cases"].tolist() == [5, 3, 3] and out["cases"].dtype == df["cases"].dtype
    assert np.isnan(out["share"].iloc[2])
    assert top_groups(df, ["team"], "cases", n=4) is df
    by_month = df.rename(columns={"team": "month"})
    assert top_groups(by_month, ["month"], "cases", n=2) is by_month  # time is never gathered


def test_missing_values_have_one_label_in_frames_and_figures(sample):
    df = ca.metrics.recovery(sample, by="severity")
    fig = ca.metrics.plot_recovery(df)
    assert MISSING_LABEL in list(fig.data[0].x)
    assert df["severity"].isna().any()  # the frame keeps it missing...
    assert MISSING_LABEL in with_missing_label(df)["severity"].tolist()  # ...or labels it so


def test_save_figure_writes_offline_html(tmp_path, sample):
    fig = ca.metrics.plot_funnel(ca.funnel(sample))
    page = save_figure(fig, tmp_path / "funnel.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in page and "plotly.js v" in page and 'src="http' not in page


def test_save_figure_refuses_an_unknown_format(tmp_path):
    with pytest.raises(OptionError, match=r"'\.gif'.*\.html, \.png, \.svg"):
        save_figure(go.Figure(), tmp_path / "f.gif")


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("kaleido") is None and shutil.which("chromium") is None,
    reason="static export needs Kaleido or a system Chromium (apt-get install chromium)",
)
@pytest.mark.parametrize(("suffix", "magic"), [("png", b"\x89PNG"), ("svg", b"<svg")])
def test_save_figure_writes_images_offline(tmp_path, suffix, magic):
    fig = go.Figure(go.Bar(x=["web", "<b>chat</b>"], y=[3, 1]))
    out = save_figure(fig, tmp_path / f"f.{suffix}", width=400, height=300, scale=1)
    assert out.read_bytes().startswith(magic)


@pytest.mark.slow
def test_figures_survive_nbconvert_to_html(tmp_path):
    """A kernel that calls use_notebook_renderer() and shows a figure; the HTML export holds
    the figure and plotly.js itself (no CDN)."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook()
    from pathlib import Path

    src = str(Path(ca.__file__).parent.parent)  # the kernel imports this very package
    nb.cells = [
        nbformat.v4.new_code_cell(
            f"import sys; sys.path.insert(0, {src!r})\n"
            "from cycleanalytics.plots import use_notebook_renderer\n"
            "use_notebook_renderer()"
        ),
        nbformat.v4.new_code_cell(
            "import plotly.graph_objects as go\ngo.Figure(go.Bar(x=['web', 'chat'], y=[3, 1]))"
        ),
    ]
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    page, _ = HTMLExporter().from_notebook_node(nb)
    assert page.count("Plotly.newPlot") == 1
    assert "plotly.js v" in page and 'src="https://cdn.plot.ly' not in page
    assert NOTEBOOK_RENDERER == "plotly_mimetype+notebook"


@pytest.mark.parametrize("name", sorted(n for n in REGISTRY if REGISTRY[n].plot is not None))
def test_every_hover_text_has_its_report_translations(sample, name):
    from cycleanalytics.i18n import HOVER_TEXTS

    spec = REGISTRY[name]
    df = spec.compute(sample, score="nps") if name == "satisfaction_change" else None
    for frame in (spec.compute(sample), df):
        if frame is None:
            continue
        for trace in spec.plot(frame).data:
            template = trace.hovertemplate
            if template and template not in HOVER_TEXTS:
                words = re.sub(r"%\{[^}]*\}|<[^>]*>|CSAT|NPS|[^A-Za-z]", "", template)
                assert not words, f"no Indonesian/Malay for {template!r}"


def test_an_empty_breakdown_draws_without_error():
    """Found on the helpdesk log: a breakdown with no rows (no dissatisfied case)."""
    df = pd.DataFrame({"recovery_action": pd.Series([], dtype=object), "dissatisfied": []})
    assert top_groups(df, ["recovery_action"], "dissatisfied", n=2) is df


# -- charts that tell the truth (#14) ---------------------------------------------------------


def test_month_change_chart_labels_each_month_and_draws_points_as_the_table(sample):
    change = ca.metrics.satisfaction_change(sample, score="csat", grain="month")
    fig = ca.metrics.plot_satisfaction_change(change)
    bars = fig.data[0]
    # the sample runs January to June 2026: a change from February on, one bar per month
    assert list(bars.x) == ["Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026"]
    assert fig.layout.xaxis.type == "category"
    assert (fig.layout.xaxis.tickmode, fig.layout.xaxis.dtick) == ("linear", 1)
    assert list(fig.layout.xaxis.categoryarray) == list(bars.x)
    # points, as the report's table: a change of 0.0738 is +7.4 points
    assert np.allclose(bars.y, 100 * change["change"].to_numpy())
    assert np.allclose(bars.customdata[:, 0], 100 * change["change_lo"].to_numpy())
    assert fig.layout.yaxis.title.text == "change from the previous period (points)"
    assert "%{y:+.1f} points" in bars.hovertemplate and ":+.1%" not in bars.hovertemplate


def test_nps_change_is_drawn_in_nps_points_one_series_per_group(sample):
    change = ca.metrics.satisfaction_change(sample, score="nps", by="channel")
    fig = ca.metrics.plot_satisfaction_change(change)
    assert sorted(t.name for t in fig.data) == ["chat", "email", "phone", "store", "web"]
    chat = change[change["channel"] == "chat"]
    trace = next(t for t in fig.data if t.name == "chat")
    assert np.allclose(trace.y, chat["change"].to_numpy())  # NPS changes are points already
    assert trace.hovertemplate.startswith("%{x}: NPS changed by %{y:+.1f} points")


def test_backlog_points_are_labelled_with_the_period_they_close(sample):
    backlog = ca.metrics.complaint_backlog(sample)
    fig = ca.metrics.plot_complaint_backlog(backlog)
    line = fig.data[0]
    # midnight on 1 February closes January; the as-of time (30 June, 23:57) closes June in part
    assert str(backlog["period_end"].iloc[0]) == "2026-02-01 00:00:00+00:00"
    assert list(line.x) == [
        "Jan 2026",
        "Feb 2026",
        "Mar 2026",
        "Apr 2026",
        "May 2026",
        "Jun 2026 (to date)",
    ]
    assert list(line.customdata)[:2] == ["2026-01-31", "2026-02-28"]
    assert list(line.y) == backlog["open"].tolist()
    assert list(fig.layout.xaxis.categoryarray) == list(line.x)
    assert fig.layout.xaxis.dtick == 1


def test_backlog_labels_a_boundary_as_the_period_before_at_every_grain():
    from cycleanalytics.metrics.complaints import _closed_periods

    ends = pd.Series(
        pd.to_datetime(["2026-01-05 00:00", "2026-04-01 00:00", "2026-04-02 10:00"], utc=True)
    )
    assert _closed_periods(ends[:1], "week") == (["week of 29 Dec 2025"], ["2026-01-04"])
    assert _closed_periods(ends[1:2], "quarter") == (["Q1 2026"], ["2026-03-31"])
    assert _closed_periods(ends[1:2], "day") == (["31 Mar 2026"], ["2026-03-31"])
    assert _closed_periods(ends[2:], "month") == (["Apr 2026 (to date)"], ["2026-04-02"])


def test_pareto_share_axis_runs_0_to_100_percent_in_quarters(sample):
    areas = ca.metrics.complaints(sample, by="category")
    fig = ca.metrics.plot_complaints(areas)
    share = fig.layout.yaxis2
    assert list(share.range) == [0, 1]
    assert list(share.tickvals) == [0, 0.25, 0.5, 0.75, 1]
    assert share.tickformat == ".0%"
    # the count axis spans all complaints, so a bar and its share line up with the right axis
    total = int(areas["complaints"].sum())
    assert list(fig.layout.yaxis.range) == [0, total]
    assert list(fig.layout.yaxis.tickvals) == [0, total / 4, total / 2, 3 * total / 4, total]
    assert fig.data[1].y[-1] == pytest.approx(1.0)


def test_period_labels_in_every_language():
    from cycleanalytics.plots import localize_periods, period_label

    assert period_label(pd.Period("2026-12", "M"), language="id") == "Des 2026"
    assert period_label(pd.Timestamp("2026-05-31 23:00", tz="UTC")) == "May 2026"
    fig = go.Figure(go.Bar(x=["May 2026", "Aug 2026 (to date)"], y=[1, 2]))
    fig.update_xaxes(categoryarray=["May 2026", "Aug 2026 (to date)"])
    localize_periods(fig, "id")
    assert list(fig.data[0].x) == ["Mei 2026", "Agu 2026 (sejauh ini)"]
    assert list(fig.layout.xaxis.categoryarray) == ["Mei 2026", "Agu 2026 (sejauh ini)"]


def test_the_first_funnel_bar_says_it_is_the_entry_not_a_continuation(sample):
    from cycleanalytics.i18n import hover_text

    stages = ca.funnel(sample)
    fig = ca.plot_funnel(stages)
    first, rest = fig.data
    assert list(first.y) == ["Pre-interaction"]
    assert list(rest.y) == ["Initial interaction", "Service delivery", "Follow-up"]
    assert "previous stage" not in first.hovertemplate
    assert "the stage journeys enter by" in first.hovertemplate
    assert "of the previous stage continued" in rest.hovertemplate
    assert [first.x[0], *rest.x] == stages["reached"].tolist()
    assert first.marker.color == rest.marker.color and first.offsetgroup == rest.offsetgroup
    assert not first.showlegend and not fig.layout.showlegend
    # the reports' languages have both hovers (the catalogues' "hover" messages)
    for language, word in (("id", "masuk"), ("ms", "bermula")):
        assert word in hover_text(first.hovertemplate, language)
        assert hover_text(rest.hovertemplate, language) != rest.hovertemplate


def test_commonest_paths_show_the_top_ten_and_one_other_bar_of_bounded_height(sample):
    paths = ca.metrics.variants(sample)
    assert len(paths) == 212  # the sample's distinct paths: 212 bars before #14
    fig = ca.metrics.plot_variants(paths)
    drawn = [y for t in fig.data for y in t.y]
    assert len(drawn) == 11
    assert fig.data[-1].name == "other paths" and list(fig.data[-1].y) == ["other (202 variants)"]
    # the other bar is the metric's own gathering: the same as variants(top=10, other=True)
    gathered = ca.metrics.variants(sample, top=10, other=True).iloc[-1]
    assert fig.data[-1].x[0] == pytest.approx(gathered["share"])
    assert fig.data[-1].customdata[0][0] == gathered["cases"] == paths["cases"][10:].sum()
    assert sum(x for t in fig.data for x in t.x) == pytest.approx(1.0)
    assert fig.layout.height == 60 + 28 * 11
    assert ca.metrics.plot_variants(paths, top=3).layout.height == 300  # the least height
    wide = ca.metrics.plot_variants(ca.metrics.variants(sample, by="channel"), top=20)
    assert wide.layout.height <= 60 + 28 * 33
    already = ca.metrics.plot_variants(ca.metrics.variants(sample, top=4, other=True))
    assert sum(len(t.y) for t in already.data) == 5  # drawn as the caller gathered it


def test_kaplan_meier_by_group_is_small_multiples_with_the_overall_curve_in_each(sample):
    by_area = ca.metrics.resolution_time(sample, by="category")
    fig = ca.metrics.plot_resolution_time(by_area)
    areas = by_area["category"].tolist()
    assert [a.text for a in fig.layout.annotations] == areas  # one titled panel per area
    lines = [t for t in fig.data if t.hovertemplate]
    panels = {}
    for trace in lines:
        panels.setdefault((trace.xaxis, trace.yaxis), []).append(trace.name)
    assert len(panels) == len(areas) == 6
    assert sorted(names[1] for names in panels.values()) == sorted(areas)
    assert all(names[0] == "all complaints" for names in panels.values())
    # the reference line is the curve of all complaints: the metric without breakdown
    overall = pd.DataFrame(ca.metrics.resolution_time(sample).attrs["curve"])
    reference = lines[0]
    assert np.allclose(reference.x, overall["hours"] / 24)
    assert np.allclose(reference.y, overall["open_share"])
    assert reference.line.color == "#c8c8c8"
    # shared axes: five panels' x and y axes follow the sixth's
    for axis in ("xaxis", "yaxis"):
        matches = [fig.layout[axis + (str(i) if i > 1 else "")].matches for i in range(1, 7)]
        assert matches.count(None) == 1 and len(set(matches) - {None}) == 1
    single = ca.metrics.plot_resolution_time(ca.metrics.resolution_time(sample))
    assert not single.layout.annotations and len(single.data) == 2  # one curve, one panel


# -- sparklines for the KPI tiles (#14) -------------------------------------------------------


def _svg(text: str):
    import xml.etree.ElementTree as ET

    return ET.fromstring(text)


_SVG = "{http://www.w3.org/2000/svg}"


def test_sparkline_is_plain_svg_with_a_title_and_the_last_point_marked():
    from cycleanalytics.plots import SPARK_COLOURS, sparkline_svg

    svg = sparkline_svg([10, 20, 15, 30], good_direction=1, width=96, height=24)
    root = _svg(svg)  # well-formed XML
    assert (
        "script" not in svg
        and "plotly" not in svg
        and "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    assert root.find(f"{_SVG}title").text == "4 periods, from 10 to 30"
    assert root.get("role") == "img" and root.get("aria-label") == "4 periods, from 10 to 30"
    line = root.find(f"{_SVG}polyline").get("points").split()
    # x from 3 to 93 in three equal steps; y: 30 (the top) at 3, 10 (the bottom) at 21
    assert line == ["3.0,21.0", "33.0,12.0", "63.0,16.5", "93.0,3.0"]
    last = root.find(f"{_SVG}circle[@class='ca-spark-last']")
    assert (last.get("cx"), last.get("cy")) == ("93.0", "3.0")
    assert last.get("fill") == SPARK_COLOURS["good"]  # up 15, and up is good
    down_is_good = _svg(sparkline_svg([10, 20, 15, 30], good_direction=-1))
    assert down_is_good.find(f"{_SVG}circle").get("fill") == SPARK_COLOURS["bad"]
    neither = _svg(sparkline_svg([10, 20, 15, 30], good_direction=0))
    assert neither.find(f"{_SVG}circle").get("fill") == SPARK_COLOURS["neutral"]


def test_sparkline_breaks_at_gaps_and_draws_one_value_and_none():
    from cycleanalytics.plots import sparkline_svg

    gaps = _svg(sparkline_svg([1, 2, None, 4, float("nan"), 3, 5], good_direction=1))
    lines = [p.get("points") for p in gaps.iter(f"{_SVG}polyline")]
    assert len(lines) == 2  # 1-2 and 3-5; the 4 alone is a dot
    dots = [c for c in gaps.iter(f"{_SVG}circle") if c.get("class") is None]
    assert len(dots) == 1 and dots[0].get("cx") == "48.0"  # position 3 of 0..6: 3 + 90 * 3/6
    one = _svg(sparkline_svg([0.5], good_direction=1, width=40, height=20))
    (mark,) = one.iter(f"{_SVG}circle")
    assert (mark.get("cx"), mark.get("cy")) == ("20.0", "10.0")
    assert one.find(f"{_SVG}title").text == "1 period: 0.5"
    flat = _svg(sparkline_svg([2, 2, 2], good_direction=1, height=20))
    assert flat.find(f"{_SVG}polyline").get("points").endswith(",10.0")
    empty = _svg(sparkline_svg([float("nan")] * 3, good_direction=1))
    assert list(empty) == [empty.find(f"{_SVG}title")]


def test_sparkline_escapes_its_title():
    from cycleanalytics.plots import sparkline_svg

    svg = sparkline_svg([1, 2], good_direction=1, title='<script>alert(1)</script> "R&D"')
    assert "<script" not in svg
    root = _svg(svg)
    assert root.find(f"{_SVG}title").text == '<script>alert(1)</script> "R&D"'
    assert root.get("aria-label") == '<script>alert(1)</script> "R&D"'


def test_pareto_gathers_the_areas_after_twelve_into_one_bar():
    areas = [f"area{i:02d}" for i in range(15)]
    counts = list(range(30, 15, -1))  # 30, 29, ..., 16: 345 complaints in Pareto order
    df = pd.DataFrame({"category": areas, "complaints": counts})
    df["cumulative_share"] = df["complaints"].cumsum() / 345
    fig = ca.metrics.plot_complaints(df)
    bars, line = fig.data
    assert list(bars.x) == [*areas[:12], "other (3 areas)"]
    assert list(bars.y) == [*counts[:12], 18 + 17 + 16]
    assert line.y[11] == pytest.approx(sum(counts[:12]) / 345) and line.y[-1] == 1.0
