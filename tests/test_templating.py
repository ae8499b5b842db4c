"""The report fragments' Jinja2 templates: each renders a hand-written fixture to the exact HTML
expected (written out by hand below), markup in data is shown as text, and the environment and
its templates are made once per process."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

import cycleanalytics as ca
from cycleanalytics import reports
from cycleanalytics.notebook import kpi_tiles_html
from cycleanalytics.notebook.tiles import Tile
from cycleanalytics.templating import environment, fragment

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def shown(monkeypatch) -> list[str]:
    """The HTML the show_* helpers display, in order."""
    import IPython.display

    out: list[str] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: out.append(obj.data))
    return out


# -- each template, from a hand-written fixture -------------------------------------------------


def test_text_heading_list_and_sql_render_to_the_expected_html():
    assert fragment("text", kind="takeaway", text='Costs < 5 & "rising"') == (
        '<p class="ca-takeaway">Costs &lt; 5 &amp; &#34;rising&#34;</p>'
    )
    assert fragment("heading", level=2, text="Who's first?") == "<h2>Who&#39;s first?</h2>"
    assert fragment("list", items=["a < b", "c"]) == (
        '<ul class="ca-list"><li class="ca-item">a &lt; b</li><li class="ca-item">c</li></ul>'
    )
    assert fragment("list", items=[]) == '<ul class="ca-list"></ul>'
    assert fragment("sql", sql="select '<x>'") == (
        '<pre class="ca-sql">select &#39;&lt;x&gt;&#39;</pre>'
    )


def test_table_template_renders_kinds_per_column():
    html = fragment(
        "table",
        columns=[("text", "channel"), ("num", "cases")],
        rows=[["web", "1,200"], ["<b>phone</b>", "3"]],
    )
    assert html == (
        '<table class="ca-table"><thead><tr><th class="text">channel</th>'
        '<th class="num">cases</th></tr></thead><tbody>'
        '<tr><td class="text">web</td><td class="num">1,200</td></tr>'
        '<tr><td class="text">&lt;b&gt;phone&lt;/b&gt;</td><td class="num">3</td></tr>'
        "</tbody></table>"
    )


def test_basis_template_folds_its_lines():
    html = fragment("basis", summary="How the tiles are counted", lines=["a & b", "c"])
    assert html == (
        '<details class="ca-basis"><summary>How the tiles are counted</summary>'
        "<ul><li>a &amp; b</li><li>c</li></ul></details>"
    )


def test_tiles_template_renders_each_part_of_a_tile():
    plain = Tile(
        kpi="cases",
        stage="",
        direction="none",
        judgement="neutral",
        label="Cases",
        value="1,200",
        arrow="",
        change="no comparison",
        n="n = 1,200",
    )
    full = Tile(
        kpi="csat",
        stage="",
        direction="up",
        judgement="good",
        label="CSAT",
        value="62.0%",
        arrow="▲",
        change="+7.0 points vs 55.0% before",
        n="n = 400",
        spark=Markup("<svg></svg>"),
        significant="significant change",
        status="green",
        target="target 60.0%",
        status_word="on target",
    )
    assert fragment("tiles", tiles=[plain, full]) == (
        '<div class="ca-tiles">'
        '<div class="ca-tile" data-kpi="cases" data-stage="" data-direction="none" '
        'data-judgement="neutral" data-status="">'
        '<div class="ca-tile-label">Cases</div><div class="ca-tile-value">1,200</div>'
        '<div class="ca-tile-change ca-neutral">no comparison</div>'
        '<div class="ca-tile-n">n = 1,200</div></div>'
        '<div class="ca-tile ca-status-green" data-kpi="csat" data-stage="" data-direction="up" '
        'data-judgement="good" data-status="green">'
        '<div class="ca-tile-label">CSAT</div><div class="ca-tile-value">62.0%</div>'
        '<div class="ca-tile-change ca-good">'
        '<span class="ca-arrow ca-good" aria-hidden="true">▲</span> '
        "+7.0 points vs 55.0% before</div>"
        '<div class="ca-tile-spark"><svg></svg></div>'
        '<div class="ca-tile-target ca-green"><span class="ca-dot" aria-hidden="true"></span> '
        "target 60.0% · on target</div>"
        '<span class="ca-significant">● significant change</span>'
        '<div class="ca-tile-n">n = 400</div></div>'
        "</div>"
    )
    assert fragment("tiles", tiles=[]) == '<div class="ca-tiles"></div>'


def test_setup_carries_the_stylesheet_plotly_once_and_the_narrow_screen_script():
    html = fragment("setup", plotly=Markup("/* plotly */"))
    assert html.startswith("<style>\n.ca-note { color: #444;")
    assert '@page { size: A4; margin: 14mm; }\n</style>\n<script type="text/javascript">' in html
    # reports.export_html finds plotly.js by exactly this tag, once, to share it between pages
    assert html.count('<script type="text/javascript">/* plotly */</script>') == 1
    assert '<script type="text/javascript">\n// On a narrow screen' in html
    assert html.endswith("});\n</script>")


def _header(**kwargs) -> str:
    return reports.report_header(
        "unused.duckdb",  # the provenance below is what the kernel read: no database is asked
        parameters=kwargs.pop("parameters"),
        period=reports.ReportPeriod(date(2026, 3, 1), date(2026, 3, 31)),
        started=datetime(2026, 4, 1, 6, 0, tzinfo=UTC),
        seconds=2.5,
        provenance={"as_of": "2026-06-30T23:57:00+00:00", "loads": [1, 2]},
        **kwargs,
    )


def test_header_renders_its_rows_and_the_link_back():
    html = _header(parameters={"language": "en"}, back="../index.html")
    body = html[html.index("</style>") + len("</style>") :]
    item = (
        '<div class="ca-header-item"><span class="ca-header-key">{0}</span> '
        '<span class="ca-header-value" data-key="{0}">{1}</span></div>'
    )
    rows = [
        ("Period", "March 2026 (2026-03-01 to 2026-03-31)"),
        ("Filters", "none"),
        ("Data as of", "2026-06-30 23:57 UTC"),
        ("Loads", "1, 2"),
        ("cycleanalytics", ca.__version__),
        ("Run", "2026-04-01 06:00:00 UTC (2.5 s)"),
    ]
    assert body == (
        '<nav class="ca-back"><a href="../index.html" id="ca-back">← All reports</a></nav>'
        '<div class="ca-header" id="ca-header">'
        + "".join(item.format(*row) for row in rows)
        + "</div>"
    )
    assert html.startswith("<style>\n.ca-header {")
    assert '<nav class="ca-back">' not in _header(parameters={"language": "en"})


# -- markup in data is text ----------------------------------------------------------------


def test_header_escapes_a_hostile_filter_and_link():
    html = _header(parameters={"segment": SCRIPT, "channel": ATTRIBUTE}, back=ATTRIBUTE)
    assert "<script>" not in html and "<img" not in html
    assert (
        '<span class="ca-header-value" data-key="Filters">'
        "segment = &lt;script&gt;alert(1)&lt;/script&gt;; "
        "channel = &#34;&gt;&lt;img src=x onerror=alert(1)&gt;</span>"
    ) in html
    assert '<a href="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" id="ca-back">' in html


def test_tiles_escape_a_hostile_stage_in_text_and_attribute():
    table = pd.DataFrame(
        {
            "kpi": ["dropoff"],
            "stage": [ATTRIBUTE],
            "value": [0.25],
            "unit": ["share"],
            "n": [200],
            "test": ["two_proportion_z"],
            "previous": [0.25],
            "change": [0.0],
            "significant": pd.array([False], dtype="boolean"),
        }
    )
    html = kpi_tiles_html(table)
    assert "<img" not in html
    escaped = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert f'data-stage="{escaped}"' in html
    assert f'<div class="ca-tile-label">Lost before {escaped}</div>' in html


def test_show_table_escapes_hostile_cells_and_column_names(shown):
    from cycleanalytics.notebook import show_table

    show_table(
        pd.DataFrame(
            {
                "channel": [SCRIPT, ATTRIBUTE],
                "cases": ["1,200", "3"],
                "share": ["45.1%", "–"],
                "<b>x</b>": [1, 2],
            }
        )
    )
    # a column is right-aligned ("num") when every value is a number, a share or "–"
    assert shown == [
        '<table class="ca-table"><thead><tr><th class="text">channel</th>'
        '<th class="num">cases</th><th class="num">share</th>'
        '<th class="num">&lt;b&gt;x&lt;/b&gt;</th></tr></thead><tbody>'
        '<tr><td class="text">&lt;script&gt;alert(1)&lt;/script&gt;</td>'
        '<td class="num">1,200</td><td class="num">45.1%</td><td class="num">1</td></tr>'
        '<tr><td class="text">&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</td>'
        '<td class="num">3</td><td class="num">–</td><td class="num">2</td></tr>'
        "</tbody></table>"
    ]
    show_table(pd.DataFrame({"a": []}))
    assert len(shown) == 1, "a table without rows shows nothing"


def test_show_text_heading_list_and_sql_escape_markup(shown):
    from cycleanalytics.notebook import show_heading, show_list, show_sql, show_text

    show_text(SCRIPT)
    show_heading(SCRIPT, 3)
    show_list([SCRIPT])
    show_sql(SCRIPT)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert shown == [
        f'<p class="ca-note">{escaped}</p>',
        f"<h3>{escaped}</h3>",
        f'<ul class="ca-list"><li class="ca-item">{escaped}</li></ul>',
        f'<pre class="ca-sql">{escaped}</pre>',
    ]


class _Cells(HTMLParser):
    """The text of each ``<th>`` and ``<td>`` of a table, as a browser reads it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self._open = False

    def handle_starttag(self, tag, attrs):
        if tag in ("th", "td"):
            self.cells.append("")
            self._open = True

    def handle_endtag(self, tag):
        self._open = self._open and tag not in ("th", "td")

    def handle_data(self, data):
        if self._open:
            self.cells[-1] += data


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@settings(max_examples=200, deadline=None)
@given(names=st.lists(_TEXT, min_size=1, max_size=3), data=st.data())
def test_any_text_in_a_table_reads_back_as_the_same_text(names, data):
    """Whatever the cells hold (quotes, tags, entities), a browser reads back exactly that
    text: nothing in them is taken as markup."""
    rows = data.draw(st.lists(st.lists(_TEXT, min_size=len(names), max_size=len(names))))
    html = fragment("table", columns=[("text", n) for n in names], rows=rows)
    parser = _Cells()
    parser.feed(html)
    assert parser.cells == names + [cell for row in rows for cell in row]


# -- made once -------------------------------------------------------------------------------


def test_every_fragment_template_compiles():
    names = [n for n in environment().list_templates() if n.startswith("fragments/")]
    assert {n for n in names if n.endswith(".html.j2")} == {
        f"fragments/{name}.html.j2"
        for name in ("basis", "header", "heading", "list", "setup", "sql", "table", "text", "tiles")
    }
    for name in names:
        environment().get_template(name)


def test_the_environment_and_each_template_are_made_once_per_process():
    assert environment() is environment()
    fragment("text", kind="note", text="first")
    template = environment().get_template("fragments/text.html.j2")
    fragment("text", kind="note", text="again")
    assert environment().get_template("fragments/text.html.j2") is template


def test_an_undefined_value_is_an_error_not_an_empty_string():
    import jinja2

    with pytest.raises(jinja2.UndefinedError, match="text"):
        fragment("text", kind="note")
