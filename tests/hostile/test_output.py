"""Hostile input, output side (issue #17): whatever the data holds, nothing is lost, leaked or
run on the way out.

Each case names the command, the hostile value, the exit code expected and a fragment the
output must hold (for CSV: the exact cell). The values are in ``data_output/payloads.json``:
HTML markup for reports, rich markup and control characters for the terminal, formulas for
CSV. The browser cases run every report on a database whose every text field holds markup and
open each page in headless Chromium (Debian's ``chromium``, driven by Playwright).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import playwright_or_skip as _playwright

import cycleanalytics as ca
from cycleanalytics.cli import main

HERE = Path(__file__).parent
PAYLOADS = json.loads((HERE / "data_output" / "payloads.json").read_text(encoding="utf-8"))
MARKUP = PAYLOADS["markup"]
TERMINAL = PAYLOADS["terminal"]
FORMULA = PAYLOADS["formula"]
FUNNEL_CASES = HERE.parent / "data" / "funnel_cases.csv"


def run(*args: object, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)
    return result.exit_code, result.stdout, result.stderr


def no_traceback(*texts: str) -> bool:
    return all("Traceback" not in t for t in texts)


# -- fixtures: small databases with hostile values ------------------------------------------------


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def terminal_db(tmp_path_factory) -> Path:
    """The hand-made funnel cases, each terminal payload the entry channel of one case."""
    db = tmp_path_factory.mktemp("terminal") / "t.duckdb"
    with ca.Store(db) as store:
        ca.load(store, [FUNNEL_CASES])
        cases = [
            r[0] for r in store.con.execute("SELECT DISTINCT case_id FROM interactions").fetchall()
        ]
        for case, value in zip(sorted(cases), TERMINAL.values(), strict=False):
            store.con.execute(
                "UPDATE interactions SET channel = ? WHERE case_id = ?", [value, case]
            )
    return db


@pytest.fixture(scope="module")
def formula_db(tmp_path_factory) -> Path:
    """A small generated sample whose complaint categories include every formula payload."""
    folder = tmp_path_factory.mktemp("formula")
    info = ca.generate_sample(folder / "sample", customers=120, months=3)
    db = folder / "f.duckdb"
    with ca.Store(db) as store:
        ca.load(store, [p for k, p in info.files.items() if k != "truth"])
        ids = [
            r[0]
            for r in store.con.execute("SELECT complaint_id FROM complaints ORDER BY 1").fetchall()
        ]
        for i, value in enumerate(FORMULA.values()):
            store.con.execute(
                "UPDATE complaints SET category = ? WHERE complaint_id = ?", [value, ids[i]]
            )
    return db


@pytest.fixture(scope="module")
def quarantine_db(tmp_path_factory, monkeypatch_module) -> Path:
    """A database whose quarantine holds rows with markup, escapes and formulas in them, from a
    file whose name is markup."""
    folder = tmp_path_factory.mktemp("quarantine")
    bad = folder / "[bold]x[red] :x:.csv"
    rows = [
        "interaction_id,case_id,customer_id,ts,activity,channel",
        "e1,c1,u1,2026-01-01T09:00:00Z,Browse,web",
    ]
    values = [*TERMINAL.values(), *FORMULA.values()]
    for i, value in enumerate(values, start=2):
        cell = '"' + value.replace('"', '""') + '"'
        rows.append(f"e{i},c{i},u{i},{cell},Browse,web")  # a timestamp that is not one
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = folder / "q.duckdb"
    # Almost every row is bad on purpose: allow the load past the 50% that fails a file.
    monkeypatch_module.setenv("CYCLEANALYTICS_MAX_QUARANTINED", "1")
    code, out, err = run("load", bad, "--db", db, "--kind", "interactions")
    assert code == 0, out + err
    return db


# -- terminal: values, file names and our own messages print as text ------------------------------

# (payload key, what the output must show, what it must not hold)
TERMINAL_CASES = [
    ("close_tag", "[/red]", None),
    ("rich_link", "[link=https://evil.example]chat[/link]", "\x1b]8;"),
    ("emoji", "status:x:closed", "❌"),
    ("bold", "[bold]loud[/bold]", "\x1b[1m"),
    ("escape", "red\\x1b[31mRED\\x1b[0m", "\x1b"),
    ("osc_link", "\\x1b]8;;https://evil.example\\x07click", "\x1b"),
    ("bidi", "abc\\u202etxt.exe", "\u202e"),
    ("newline", "line1\\nline2", None),
    ("bell", "ding\\x07", "\x07"),
]


@pytest.mark.parametrize(
    ("key", "shown", "absent"), TERMINAL_CASES, ids=[c[0] for c in TERMINAL_CASES]
)
def test_metric_table_prints_a_channel_as_text(terminal_db, key, shown, absent):
    code, out, err = run("metric", "cost", "--db", terminal_db, "--by", "channel")
    assert code == 0, err
    assert shown in out
    assert absent is None or absent not in out
    assert no_traceback(out, err)


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_quarantine_listing_with_markup_and_escapes_exits_0(quarantine_db, fmt):
    code, out, err = run("quarantine", "--db", quarantine_db, "--format", fmt)
    assert code == 0, err
    assert no_traceback(out, err)
    if fmt == "table":
        assert "[bold]x[red] :x:.csv" in out  # the file name, as it is
        assert "\x1b" not in out and "\x07" not in out


def test_quarantine_csv_quotes_formulas_in_records(quarantine_db):
    code, out, _ = run("quarantine", "--db", quarantine_db, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    cells = [v for row in rows for v in row.values() if v]
    assert cells and not any(v.startswith(("=", "+", "@", "\t", "\r")) for v in cells)
    assert not any(
        v.startswith("-") and not v.lstrip("-").replace(".", "").isdigit() for v in cells
    )


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("[/red]=x", "has no parameter '[/red]'"),
        ("language=[bold]id[/bold]", "cannot be '[bold]id[/bold]'"),
        ("language=:x:", "cannot be ':x:'"),
        ("language=\x1b[31mid", "cannot be '\\x1b[31mid'"),
    ],
    ids=["key-markup", "value-markup", "value-emoji", "value-escape"],
)
def test_error_messages_print_parameters_as_text(terminal_db, tmp_path, value, fragment):
    code, out, err = run(
        "report", "stage_funnel", "--db", terminal_db, "--out", tmp_path, "-p", value
    )
    assert code == 2
    assert fragment in err
    assert "\x1b" not in err and no_traceback(out, err)


def test_a_file_name_with_an_escape_in_a_click_error_is_shown_visibly(tmp_path):
    code, _, err = run("metric", "funnel", "--db", tmp_path / "no\x1b[31mdb[/red].duckdb")
    assert code == 2
    assert "no\\x1b[31mdb[/red].duckdb" in err and "\x1b" not in err


def test_funnel_by_a_channel_named_close_tag(terminal_db):
    code, out, err = run("metric", "funnel", "--db", terminal_db, "--by", "channel")
    assert code == 0, err
    assert "[/red]" in out and no_traceback(out, err)


def test_our_own_messages_keep_their_square_brackets(tmp_path):
    """A mapping error names sections like [interactions.columns]: printed literally."""
    from cycleanalytics.cli._common import err, error_line

    with err.capture() as captured:
        err.print(error_line("Error:", "map it under [interactions.columns] (id = ...) :x:"))
    assert "under [interactions.columns] (id = ...) :x:" in captured.get()


def test_load_progress_and_summary_take_a_markup_file_name(tmp_path):
    src = tmp_path / "[red]:x: \x1b[31m[link=x].csv"
    shutil.copy(FUNNEL_CASES, src)
    code, out, err = run("load", src, "--db", tmp_path / "t.duckdb", "--kind", "interactions")
    assert code == 0, err
    assert no_traceback(out, err) and "\x1b" not in out + err


# -- CSV: cells that would start a formula are quoted ----------------------------------------------


@pytest.mark.parametrize("key", list(FORMULA), ids=list(FORMULA))
def test_metric_csv_quotes_a_formula_category(formula_db, key):
    code, out, _ = run("metric", "complaints", "--db", formula_db, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    column = next(c for c in rows[0] if c in ("category", "area"))
    cells = [row[column] for row in rows]
    assert "'" + FORMULA[key] in cells  # the exact cell
    assert FORMULA[key] not in cells


def test_metric_csv_keeps_negative_numbers_as_numbers(capsys):
    import pandas as pd

    from cycleanalytics.cli._common import print_frame

    df = pd.DataFrame({"channel": ["-2+3+cmd|x", "-2", "web"], "change": [-2, -0.5, 3]})
    print_frame(df, "csv")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["channel", "change"], ["'-2+3+cmd|x", "-2.0"], ["-2", "-0.5"], ["web", "3.0"]]


@pytest.mark.parametrize("key", list(FORMULA), ids=list(FORMULA))
def test_safe_writer_quotes_each_formula_kind(key):
    from cycleanalytics.safe_csv import SafeWriter

    buffer = io.StringIO()
    SafeWriter(buffer, lineterminator="\n").writerow([FORMULA[key], -3, "-3", 2.5])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [
        "'" + FORMULA[key],
        "-3",
        "-3",
        "2.5",
    ]


def test_a_formula_column_name_is_quoted_too():
    import pandas as pd

    from cycleanalytics.safe_csv import frame_to_csv

    text = frame_to_csv(pd.DataFrame({"=HYPERLINK(1)": ["a"]}))
    assert text.splitlines()[0] == "'=HYPERLINK(1)"


def test_the_sample_generator_writes_through_the_safe_writer(tmp_path, monkeypatch):
    from cycleanalytics import sample

    monkeypatch.setitem(sample.__dict__, "_customer_ids", lambda n: ["=1+1"] * n)
    info = ca.generate_sample(tmp_path / "s", customers=3, months=1)
    text = info.files["customers"].read_text(encoding="utf-8")
    assert "'=1+1" in text and "\n=1+1" not in text


# -- paths: outputs stay inside --out; nothing the product did not write is replaced --------------


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "reports.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "output",
    ["../../victim/important", "/tmp/elsewhere", "sub/name", ".hidden", "..", "a\\b", "x\x1by"],
    ids=["dotdot", "absolute", "separator", "hidden", "parent", "backslash", "control"],
)
def test_config_output_names_must_be_plain_names(terminal_db, tmp_path, output):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "important.html").write_text("mine", encoding="utf-8")
    (victim / "important.ipynb").write_text("mine", encoding="utf-8")
    config = _config(
        tmp_path / "victim",
        f'out = "out"\n[[report]]\nname = "stage_funnel"\noutput = {json.dumps(output)}\n',
    )
    code, out, err = run("report", "--config", config, "--db", terminal_db)
    assert code == 2
    assert "must be a plain file name" in err
    assert (victim / "important.html").read_text(encoding="utf-8") == "mine"
    assert (victim / "important.ipynb").read_text(encoding="utf-8") == "mine"
    assert no_traceback(out, err)


@pytest.mark.parametrize("subfolder", ["../escape", "/abs", "a/../../b", ".hidden/x"])
def test_config_subfolder_stays_inside_out(terminal_db, tmp_path, subfolder):
    config = _config(
        tmp_path,
        f'out = "out"\nsubfolder = {json.dumps(subfolder)}\n[[report]]\nname = "stage_funnel"\n',
    )
    code, _, err = run("report", "--config", config, "--db", terminal_db)
    assert code == 2
    assert "must be a relative folder inside the output folder" in err
    assert not (tmp_path / "escape").exists()


def test_report_out_root_is_refused(terminal_db):
    code, _, err = run("report", "stage_funnel", "--db", terminal_db, "--out", "/")
    assert code == 2
    assert "refusing to write reports into /" in err


def test_report_out_home_is_refused(terminal_db, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    code, _, err = run(
        "report", "stage_funnel", "--db", terminal_db, "--out", home, env={"HOME": str(home)}
    )
    assert code == 2
    assert "refusing to write reports into" in err


@pytest.mark.parametrize(
    "name", ["stage_funnel.html", "stage_funnel.ipynb", "index.html", "run.json"]
)
def test_report_never_replaces_a_file_it_did_not_write(terminal_db, tmp_path, name):
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("the user's own file", encoding="utf-8")
    code, _, err = run("report", "stage_funnel", "--db", terminal_db, "--out", out)
    assert code == 2
    assert "were not written by cycleanalytics" in err and name in err
    assert (out / name).read_text(encoding="utf-8") == "the user's own file"


def test_a_page_the_exporter_wrote_is_known_as_ours(tmp_path):
    """nbconvert rewrites the head (attribute order): the page is still recognised."""
    import nbformat

    from cycleanalytics.reports import _ours, export_html

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")])
    page = tmp_path / "page.html"
    page.write_text(export_html(nb, title="t"), encoding="utf-8")
    assert _ours(page)
    page.write_text("<html><head><title>mine</title></head></html>", encoding="utf-8")
    assert not _ours(page)


def test_a_symlinked_page_is_never_written_through(terminal_db, tmp_path):
    victim = tmp_path / "victim.html"
    victim.write_text('<meta name="generator" content="cycleanalytics"> mine', encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "stage_funnel.html").symlink_to(victim)
    code, _, err = run("report", "stage_funnel", "--db", terminal_db, "--out", out)
    assert code == 2 and "were not written by cycleanalytics" in err
    assert victim.read_text(encoding="utf-8").endswith(" mine")


def test_the_index_page_carries_its_policy_and_escapes_the_run_record(tmp_path):
    from cycleanalytics.reports import INDEX_CSP, page_policy, write_index

    record = {
        "title": MARKUP["link"],
        "as_of": "2026-01-01",
        "reports": [
            {"report": "x", "output": MARKUP["style"], "ok": False, "error": MARKUP["script"]}
        ],
    }
    (tmp_path / "run.json").write_text(json.dumps(record), encoding="utf-8")
    page = write_index(tmp_path, title=MARKUP["bold"]).read_text(encoding="utf-8")
    assert page_policy(page) == INDEX_CSP
    assert '<a href="https://evil' not in page and "<span style" not in page
    assert "<script" not in page and "&lt;script&gt;" in page


def test_demo_refuses_a_folder_it_did_not_make(tmp_path):
    out = tmp_path / "mine"
    (out / "sample").mkdir(parents=True)
    (out / "sample" / "precious.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = run("demo", "--out", out)
    assert code == 2
    assert "not made by `cycleanalytics demo`" in err
    assert (out / "sample" / "precious.csv").read_text(encoding="utf-8") == "a,b\n1,2\n"
    assert sorted(p.name for p in out.rglob("*")) == ["precious.csv", "sample"]


def test_a_demo_folder_from_before_the_marker_is_still_the_demos(tmp_path):
    from cycleanalytics.cli.report import _earlier_demo

    (tmp_path / "run.json").write_text('{"title": "Demo reports", "reports": []}', "utf-8")
    assert _earlier_demo(tmp_path)
    (tmp_path / "run.json").write_text('{"title": "Weekly", "reports": []}', "utf-8")
    assert not _earlier_demo(tmp_path)


def test_demo_refuses_root():
    code, _, err = run("demo", "--out", "/")
    assert code == 2
    assert "refusing to write reports into /" in err


def test_sample_does_not_overwrite_an_export_it_did_not_write(tmp_path):
    (tmp_path / "interactions.csv").write_text("my,real,export\n", encoding="utf-8")
    code, _, err = run("sample", "--out", tmp_path, "--customers", "5", "--months", "1")
    assert code == 2
    assert "not written by the sample generator" in err
    assert (tmp_path / "interactions.csv").read_text(encoding="utf-8") == "my,real,export\n"


def test_sample_replaces_its_own_earlier_files(tmp_path):
    assert run("sample", "--out", tmp_path, "--customers", "5", "--months", "1")[0] == 0
    assert run("sample", "--out", tmp_path, "--customers", "6", "--months", "1")[0] == 0


@pytest.mark.parametrize(
    "command",
    [["mapping", "init", FUNNEL_CASES, "--out"], ["model", "export"]],
    ids=["mapping-init", "model-export"],
)
def test_writers_of_one_file_do_not_overwrite(tmp_path, command):
    target = tmp_path / "mine.toml"
    target.write_text("# mine\n", encoding="utf-8")
    code, _, err = run(*command, target)
    assert code == 2
    assert "already exists; nothing was overwritten" in err
    assert target.read_text(encoding="utf-8") == "# mine\n"


def test_classify_train_does_not_overwrite_a_file_that_is_not_a_model(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("text,area\nbroken,product\n", encoding="utf-8")
    target = tmp_path / "notes.json"
    target.write_text('{"mine": true}', encoding="utf-8")
    code, _, err = run("classify", "train", "--labels", labels, "--out", target)
    assert code == 2
    assert "is not an area model; nothing was overwritten" in err
    assert target.read_text(encoding="utf-8") == '{"mine": true}'


# -- concurrency: no process-wide chdir ------------------------------------------------------------


def test_run_report_never_changes_the_working_directory(terminal_db, tmp_path, monkeypatch):
    """papermill's cwd= chdirs the whole process; the kernel's folder goes through nbclient."""
    import papermill

    from cycleanalytics.errors import ReportError
    from cycleanalytics.reports import run_report

    seen = {}

    def fake(source, target, **kwargs):
        seen.update(kwargs, cwd_now=os.getcwd())
        raise RuntimeError("stop here")

    monkeypatch.setattr(papermill, "execute_notebook", fake)
    before = os.getcwd()
    with pytest.raises(ReportError):
        run_report("stage_funnel", db=terminal_db, out=tmp_path / "out")
    assert "cwd" not in seen
    assert seen["resources"] == {"metadata": {"path": str((tmp_path / "out").resolve())}}
    assert seen["cwd_now"] == before == os.getcwd()


@pytest.mark.slow
def test_two_reports_at_once_with_relative_paths(terminal_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(terminal_db, tmp_path / "rel.duckdb")
    assert run("model", "export", "model.toml")[0] == 0
    code, out, err = run(
        "report", "stage_funnel", "conformance", "--db", "rel.duckdb", "--out", "out",
        "-j", "2", "-p", "model=model.toml",
    )  # fmt: skip
    assert code == 0, out + err
    assert {p.name for p in (tmp_path / "out").glob("*.html")} >= {
        "stage_funnel.html",
        "conformance.html",
        "index.html",
    }
    assert os.getcwd() == str(tmp_path)


# -- figures: every plot_* escapes what it draws ---------------------------------------------------


def _strings(tree: object, key: str = ""):
    if isinstance(tree, str):
        yield key, tree
    elif isinstance(tree, dict):
        for k, v in tree.items():
            if not str(k).endswith("template"):
                yield from _strings(v, str(k))
    elif isinstance(tree, list | tuple):
        for v in tree:
            yield from _strings(v, key)
    elif hasattr(tree, "tolist"):
        yield from _strings(tree.tolist(), key)


@pytest.fixture(scope="module")
def markup_db(tmp_path_factory) -> Path:
    """A small sample with every markup payload in every free-text field."""
    folder = tmp_path_factory.mktemp("markup")
    info = ca.generate_sample(folder / "sample", customers=200, months=4)
    db = folder / "m.duckdb"
    with ca.Store(db) as store:
        ca.load(store, [p for k, p in info.files.items() if k != "truth"])
        poison(store)
    return db


FIELDS = {
    "interactions": ("interaction_id", ["channel", "agent_id", "activity"]),
    "complaints": ("complaint_id", ["category", "severity", "channel"]),
    "customers": ("customer_id", ["segment", "region"]),
}


def poison(store: ca.Store, rows_each: int = 12) -> None:
    """Every markup payload into every free-text field of some rows (recovery_action is a
    closed list the database itself enforces)."""
    for table, (key, columns) in FIELDS.items():
        ids = [r[0] for r in store.con.execute(f"SELECT {key} FROM {table} ORDER BY 1").fetchall()]
        start = 0
        for column in columns:
            for payload in MARKUP.values():
                chunk = ids[start : start + rows_each]
                start = (start + rows_each) % max(1, len(ids) - rows_each)
                store.con.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {key} IN (SELECT unnest(?))",
                    [f"{payload} {column}", chunk],
                )


@pytest.mark.parametrize(
    "name", sorted(n for n, s in ca.metrics.REGISTRY.items() if s.plot is not None)
)
def test_every_plot_function_escapes_data(markup_db, name):
    spec = ca.metrics.REGISTRY[name]
    with ca.Store(markup_db, read_only=True) as store:
        try:
            df = spec.compute(store, by=["channel"])
        except (TypeError, ca.errors.CycleAnalyticsError):
            try:
                df = spec.compute(store)
            except ca.errors.CycleAnalyticsError as exc:  # needs inputs this sample lacks
                pytest.skip(f"{name} cannot be computed on the generated sample: {exc}")
    fig = spec.plot(df)
    raw = [(k, s) for k, s in _strings(fig.to_plotly_json()) if "<" in s or ">" in s]
    assert raw == [], raw[:3]


# -- reports in a real browser: no fetch, no link, no style from data ------------------------------

ARTIFACTS = Path(
    os.environ.get(
        "CYCLEANALYTICS_ARTIFACTS", Path(__file__).resolve().parents[2] / "reports/test-artifacts"
    )
)
#: What a page may hold that came from data: computed in the page after its charts drew
#: (and after hovering the first point of each), so plotly's own rendering is what is judged.
PAGE_FACTS = """async () => {
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    try { window.Plotly.Fx.hover(gd, [{curveNumber: 0, pointNumber: 0}]); } catch (e) {}
  }
  await new Promise(r => setTimeout(r, 200));
  return {
    hrefs: Array.from(document.querySelectorAll('a'))
      .map(a => a.getAttribute('href') || a.getAttribute('xlink:href')).filter(Boolean),
    svgLinks: document.querySelectorAll('svg a').length,
    dataStyles: Array.from(document.querySelectorAll('[style]'))
      .map(e => e.getAttribute('style'))
      .filter(s => /evil|url\\((?!\\s*["']?#)/i.test(s)),  // plotly's own: url(#gradient)
    scripts: document.querySelectorAll('script[src], img, iframe, object, embed, link').length,
    scriptSources: Array.from(document.querySelectorAll('script[src]'))
      .map(e => e.getAttribute('src')),
    xss: window.__xss === undefined ? null : window.__xss,
    svgText: Array.from(document.querySelectorAll('svg text')).map(t => t.textContent),
  };
}"""


def _visit(browser, path: Path, charts: int):
    """Open a page; return (page, console errors, requests beyond file:// and data:)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: None if r.url.startswith(("file:", "data:")) else requests.append(r.url),
    )
    page.goto(path.resolve().as_uri(), wait_until="load")
    if charts:
        page.wait_for_function(
            f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
            timeout=60_000,
        )
    return page, errors, requests


@pytest.fixture(scope="module")
def hostile_reports(markup_db, tmp_path_factory) -> Path:
    """Every report, run on the database with markup in every text field."""
    _playwright()  # skip before spending a minute on the reports
    from cycleanalytics.reports import available_reports, run_reports

    out = tmp_path_factory.mktemp("hostile-reports")
    run = run_reports(available_reports(), db=markup_db, out=out, jobs_at_once=2)
    assert run.ok, [o.error for o in run.failed]
    return out


@pytest.mark.slow
def test_every_report_with_markup_in_every_field_fetches_nothing_and_links_nothing(
    browser, hostile_reports
):
    from cycleanalytics.reports import INDEX_CSP, SHARED_CSP, available_reports, page_policy

    pages = sorted(hostile_reports.glob("*.html"))
    assert {p.stem for p in pages} == {*available_reports(), "index"}
    shown = []
    for path in pages:
        text = path.read_text(encoding="utf-8")
        is_index = path.stem == "index"
        # report pages load the folder's one shared plotly.js, nothing else
        assert page_policy(text) == (INDEX_CSP if is_index else SHARED_CSP), path.name
        charts = text.count('class="plotly-graph-div"')
        page, errors, requests = _visit(browser, path, charts)
        facts = page.evaluate(PAGE_FACTS)
        assert requests == [], f"{path.name} fetched {requests}"
        assert errors == [], f"{path.name}: console errors {errors}"
        assert facts["xss"] is None, f"{path.name}: a script from data ran"
        assert facts["svgLinks"] == 0, f"{path.name}: a link in a chart"
        assert facts["dataStyles"] == [], f"{path.name}: styles from data {facts['dataStyles']}"
        shared = [] if is_index else [s for s in facts["scriptSources"] if s]
        assert facts["scripts"] == len(shared) <= 1, f"{path.name}: an element loads a resource"
        assert all(re.fullmatch(r"assets/plotly-[\w.-]+\.min\.js", s) for s in shared), shared
        local = [h for h in facts["hrefs"] if ":" not in h and not h.startswith("//")]
        assert facts["hrefs"] == local, f"{path.name}: links {facts['hrefs']}"
        if is_index:
            assert sorted(local) == sorted(f"{n}.html" for n in available_reports())
        else:  # the link back to the index, and the headings' own anchors
            assert all(h == "index.html" or h.startswith("#") for h in local), local
        shown += [t for t in facts["svgText"] if "evil.example" in t]
        if path.stem == "stage_funnel":
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "hostile_stage_funnel.png"), full_page=True)
        page.context.close()
    # the payloads are there, drawn as text
    assert any(MARKUP["link"] in t for t in shown)
    assert any(MARKUP["style"] in t for t in shown)


def _raw_chart_page(folder: Path, *, policy: bool) -> Path:
    """A page whose chart has markup in its legend and axis, NOT escaped (as before #17), with
    or without the report pages' Content-Security-Policy."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from cycleanalytics.notebook import plotly_bundle
    from cycleanalytics.reports import REPORT_CSP, _head_meta

    fig = go.Figure(
        go.Bar(x=[MARKUP["style"], MARKUP["link"]], y=[1, 2], name=MARKUP["style"], showlegend=True)
    )
    chart = pio.to_html(fig, full_html=False, include_plotlyjs=False, validate=False)
    head = _head_meta(REPORT_CSP) if policy else ""
    bundle, _ = plotly_bundle()
    page = folder / f"raw_{'csp' if policy else 'open'}.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>'
        f"<script>{bundle}</script>{chart}</body></html>",
        encoding="utf-8",
    )
    return page


@pytest.mark.slow
def test_the_policy_alone_stops_fetches_from_unescaped_markup(browser, tmp_path):
    """Defence in depth: with escaping bypassed, the page without the policy goes to the
    network for the style's image (so the probe is live); under the report pages' policy the
    browser blocks the same load before any network access, and plotly still draws."""
    outcomes: dict[bool, list[tuple[str, str]]] = {}
    for policy in (False, True):
        page, _, requests = _visit(browser, _raw_chart_page(tmp_path, policy=policy), 1)
        failed: list[tuple[str, str]] = []
        page.on("requestfailed", lambda r, failed=failed: failed.append((r.url, r.failure)))
        page.reload(wait_until="load")
        page.wait_for_timeout(500)
        assert page.locator(".js-plotly-plot .main-svg").count() >= 1
        assert requests and all("evil.example" in r for r in requests)
        outcomes[policy] = failed
        page.context.close()
    assert outcomes[False] and all(why != "csp" for _, why in outcomes[False])  # went to DNS
    assert outcomes[True] and all(why == "csp" for _, why in outcomes[True])  # never left
