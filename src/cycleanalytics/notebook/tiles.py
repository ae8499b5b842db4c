"""KPI tiles: values and changes as a tile shows them, targets with red/amber/green, the tiles'
HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from cycleanalytics.model import CycleModel


def kpi_label(row: Any, language: str, model: CycleModel | None = None) -> str:
    """A KPI row's name in ``language`` (the drop-off KPI names its stage, by ``model``'s names
    where it has them: :func:`cycleanalytics.i18n.stage_label`)."""
    from cycleanalytics.i18n import stage_label, t

    if row["kpi"] == "dropoff":
        stage = stage_label(str(row["stage"]), language, model)
        return t("kpi.dropoff", language, stage=stage)
    return t(f"kpi.{row['kpi']}", language)


def format_kpi(value: float, unit: str, language: str = "en") -> str:
    """A KPI value the way a tile shows it (counts whole, shares as percents, NPS and rates
    with one decimal, money with two, durations in days above 48 hours).

    >>> format_kpi(0.4567, "share"), format_kpi(1234, "count", "id"), format_kpi(-12.34, "score")
    ('45.7%', '1.234', '-12.3')
    >>> format_kpi(140.0, "hours"), format_kpi(30.0, "hours")
    ('5.8 days', '30.0 h')
    """
    from cycleanalytics.i18n import fmt_number, fmt_share

    if unit == "hours":
        return duration_text(value, language)
    if unit == "share":
        return fmt_share(value, language)
    if unit == "count":
        return fmt_number(value, language)
    if unit == "money":
        return fmt_number(value, language, decimals=2)
    return fmt_number(value, language, decimals=1)


def format_change(change: float, unit: str, language: str = "en") -> str:
    """A change with its sign; shares change by percentage points.

    >>> format_change(0.023, "share"), format_change(-5, "count"), format_change(0.0, "score")
    ('+2.3 points', '-5', '±0.0')
    """
    from cycleanalytics.i18n import fmt_number, t

    if change != change:  # NaN
        return "–"
    size = 100 * change if unit == "share" else change
    decimals = 0 if unit == "count" else (2 if unit == "money" else 1)
    text = fmt_number(abs(size), language, decimals=decimals)
    sign = "±" if round(size, decimals) == 0 else ("+" if size > 0 else "-")
    suffix = f" {t('tile.points', language)}" if unit == "share" else ""
    return f"{sign}{text}{suffix}"


def duration_text(hours: float, language: str = "en") -> str:
    """A duration as managers read it: in days (one decimal) above 48 hours, else in hours.

    >>> duration_text(172.4), duration_text(30.25, "id"), duration_text(50, "ms")
    ('7.2 days', '30,2 jam', '2.1 hari')
    """
    from cycleanalytics.i18n import fmt_number, nt, t

    if hours > 48:
        days = round(hours / 24, 1)
        return nt("unit.days", days, language, n=fmt_number(days, language, decimals=1))
    return t("unit.hours", language, n=fmt_number(hours, language, decimals=1))


#: How far (relative to the target) a KPI may miss its target and still be amber, not red.
AMBER_BAND = 0.05


@dataclass(frozen=True)
class Target:
    """A KPI's target (in the KPI's own unit: shares as fractions, resolution in hours) and the
    band, relative to the target, within which missing it is amber rather than red."""

    value: float
    amber: float = AMBER_BAND


def parse_targets(targets: Any) -> dict[str, Target]:
    """KPI targets from a ``[targets]`` table (or a report's ``targets`` parameter).

    Each key is a KPI (``csat``, ``nps``, ``complaints_per_1000``, ``median_resolution_h``,
    ``recovery_success``, ``loop_closure``, ``cost_per_case``); each value a number in the
    KPI's unit (``csat = 0.6`` is 60%), or a table ``{ target = 0.6, amber = 0.1 }`` whose
    ``amber`` is how far, relative to the target, a miss is amber instead of red (default 5%).
    Text ``"csat=0.6, cost_per_case=12"`` (or ``csat:0.6``; a CLI parameter) is read the
    same way.

    >>> parse_targets({"csat": 0.6, "cost_per_case": {"target": 12, "amber": 0.1}})
    {'csat': Target(value=0.6, amber=0.05), 'cost_per_case': Target(value=12.0, amber=0.1)}
    >>> parse_targets("nps=10")
    {'nps': Target(value=10.0, amber=0.05)}
    """
    from cycleanalytics.errors import ParameterError

    if targets is None or targets == "":
        return {}
    if isinstance(targets, str):
        pairs = {}
        for item in targets.split(","):
            key, sep, value = item.partition("=") if "=" in item else item.partition(":")
            if not sep:
                raise ParameterError(
                    f"target {item.strip()!r} must look like KPI=VALUE, e.g. csat=0.6"
                )
            pairs[key.strip()] = value.strip()
        targets = pairs
    if not isinstance(targets, dict):
        raise ParameterError(f"targets must be a table of KPI = value, not {targets!r}")
    from cycleanalytics.kpis import GOOD_DIRECTION  # whether a rise is good, per KPI

    known = sorted(k for k in GOOD_DIRECTION if k not in ("cases", "dropoff"))
    out = {}
    for key, given in targets.items():
        if key not in known:
            raise ParameterError(
                f"there is no KPI {key!r} to set a target for; KPIs with targets are: "
                f"{', '.join(known)}"
            )
        amber: Any = AMBER_BAND
        value: Any = given
        if isinstance(given, dict):
            extra = sorted(set(given) - {"target", "amber"})
            if "target" not in given or extra:
                raise ParameterError(
                    f"target {key!r} must be a number or {{ target = ..., amber = ... }}, "
                    f"not {given!r}"
                )
            value, amber = given["target"], given.get("amber", AMBER_BAND)
        try:
            number, band = float(value), float(amber)
        except (TypeError, ValueError):
            raise ParameterError(
                f"target {key!r} must be a number in the KPI's unit (shares as 0.6 for 60%), "
                f"not {value!r}"
            ) from None
        if number != number or band < 0 or band != band:
            raise ParameterError(f"target {key!r}: {value!r} (amber {amber!r}) is not usable")
        out[key] = Target(number, band)
    return out


def target_status(kpi: str, value: float, target: Target) -> str:
    """``green`` when the value meets the target (above it where up is good, below where up
    is bad), ``amber`` when it misses by at most the target's band, else ``red``.

    >>> target_status("csat", 0.61, Target(0.6)), target_status("csat", 0.58, Target(0.6))
    ('green', 'amber')
    >>> target_status("cost_per_case", 14.0, Target(12.0))
    'red'
    """
    from cycleanalytics.kpis import GOOD_DIRECTION

    good = GOOD_DIRECTION.get(kpi, 0) or 1
    miss = (target.value - value) * good  # > 0: on the wrong side of the target
    if miss <= 0:
        return "green"
    return "amber" if miss <= abs(target.value) * target.amber else "red"


def tile_value(value: float, unit: str, language: str = "en", currency: str | None = None) -> str:
    """A KPI value as its tile shows it: :func:`format_kpi` (durations in days above 48 hours),
    money with the currency when one is known.

    >>> tile_value(172.4, "hours"), tile_value(11.29, "money", currency="EUR")
    ('7.2 days', '€11.29')
    """
    if value != value:
        return "–"
    if unit == "money" and currency:
        return money_text(value, currency, language)
    return format_kpi(value, unit, language)


def money_text(value: float, currency: str, language: str = "en") -> str:
    """Money with its currency, as the language writes it (Babel's currency patterns; see
    :func:`cycleanalytics.i18n.fmt_money`).

    >>> money_text(11.29, "EUR", "en")
    '€11.29'
    """
    from cycleanalytics.i18n import fmt_money

    return fmt_money(value, currency, language)


def _tile_change(row: Any, language: str) -> tuple[str, str, str]:
    """(arrow, judgement, text) of a tile's change: ▲ or ▼ (– when unchanged), good, bad or
    neutral by the KPI's direction, and the change against the comparison period."""
    from cycleanalytics.i18n import fmt_number, nt, t

    previous = row.get("previous")
    if previous is None or previous != previous or row["change"] != row["change"]:
        return "", "neutral", t("tile.no_comparison", language)
    unit, change = str(row["unit"]), float(row["change"])
    if unit == "hours":
        before = duration_text(previous, language)
        if max(abs(float(row["value"])), abs(float(previous))) > 48:
            days = round(abs(change) / 24, 1)
            amount = nt("unit.days", days, language, n=fmt_number(days, language, decimals=1))
        else:
            amount = t("unit.hours", language, n=fmt_number(abs(change), language, decimals=1))
        flat = round(abs(change), 1) == 0
    else:
        before = format_kpi(previous, unit, language)
        shown = format_change(change, unit, language)
        amount, flat = shown.lstrip("+-±"), shown.startswith("±")
    vs = t("tile.vs", language, value=before)
    if flat:
        return "–", "neutral", f"±{amount} {vs}"
    direction = 1 if change > 0 else -1
    from cycleanalytics.kpis import GOOD_DIRECTION

    good = GOOD_DIRECTION.get(str(row["kpi"]), 0)
    judgement = "neutral" if good == 0 else ("good" if direction == good else "bad")
    return (
        ("▲" if direction > 0 else "▼"),
        judgement,
        f"{'+' if direction > 0 else '-'}{amount} {vs}",
    )


def tile_label(row: Any, language: str, model: CycleModel | None = None) -> str:
    """A KPI's name as its tile and the sentences about it say it ("Median time to resolve a
    complaint": shown in days or hours, not "median hours")."""
    from cycleanalytics.i18n import t

    if row["kpi"] == "median_resolution_h":
        return t("tile.median_resolution_h", language)
    return kpi_label(row, language, model)


@dataclass(frozen=True, slots=True)
class Tile:
    """What one KPI tile shows (``templates/fragments/tiles.html.j2``): text, escaped there.

    An object rather than a dict: the template reads attributes, and a dict's key is found
    only after the attribute lookup fails (three times slower for a page of tiles).
    """

    kpi: str
    stage: str  # "" for a KPI of no stage
    direction: str  # up, down, flat or none (no comparison)
    judgement: str  # good, bad or neutral: the arrow's colour
    label: str
    value: str
    arrow: str  # ▲, ▼, – or ""
    change: str
    n: str
    spark: str = ""  # the sparkline's SVG (markupsafe.Markup), or ""
    significant: str = ""  # the marker's word where the change is significant, or ""
    status: str = ""  # the target's colour (green, amber, red), or "" without a target
    target: str = ""  # "target 60.0%", or ""
    status_word: str = ""  # "on target", or ""


def _sparkline(history: pd.DataFrame | None, kpi: str, stage: str | None, language: str) -> str:
    """A tile's sparkline (SVG markup, :class:`markupsafe.Markup`), or "" without a history or
    with fewer than two values."""
    if history is None or history.empty:
        return ""
    from markupsafe import Markup

    from cycleanalytics.i18n import t
    from cycleanalytics.kpis import GOOD_DIRECTION, kpi_trend
    from cycleanalytics.plots import sparkline_svg

    values = kpi_trend(history, kpi, stage)
    if sum(v == v for v in values) < 2:  # NaN != NaN: one value is no trend
        return ""
    svg = sparkline_svg(
        values,
        good_direction=GOOD_DIRECTION.get(kpi, 0),
        title=t("tile.trend", language, n=len(values)),
    )
    return Markup(svg)  # our own markup, its title escaped by sparkline_svg


def kpi_tiles_html(
    table: pd.DataFrame,
    language: str = "en",
    *,
    targets: Any = None,
    currency: str | None = None,
    history: pd.DataFrame | None = None,
    model: CycleModel | None = None,
) -> str:
    """KPI tiles as HTML: label, value, a ▲/▼ arrow coloured by whether that direction is good
    for the KPI (CSAT up is good, complaints up are bad), the change against the comparison
    period, a significance marker (only where a test was made and found p < 0.05) and, with
    ``targets`` (:func:`parse_targets`), the target and a red, amber or green mark. Durations
    are in days above 48 hours; money carries ``currency`` when given. Text is escaped; each
    tile carries ``data-kpi``, ``data-stage``, ``data-direction`` (up, down, flat, none),
    ``data-judgement`` (good, bad, neutral) and ``data-status`` (the target's colour) for tests.
    With ``history`` (:func:`cycleanalytics.kpis.kpi_history`), a tile whose KPI has two or
    more values there draws them as a sparkline (:func:`cycleanalytics.plots.sparkline_svg`).
    """
    import pandas as pd

    from cycleanalytics.i18n import fmt_number, t
    from cycleanalytics.templating import fragment

    goals = parse_targets(targets)
    tiles = []
    missing = table.attrs.get("missing", {})
    for _, row in table.iterrows():
        if row["kpi"] in missing or (row["value"] != row["value"] and int(row["n"]) == 0):
            continue  # not measured in this data: the sentences say so, a tile would show "–"
        kpi = str(row["kpi"])
        arrow, judgement, change = _tile_change(row, language)
        significant = row.get("significant")
        stage = "" if row["stage"] is None or row["stage"] != row["stage"] else str(row["stage"])
        status, goal, status_word = "", "", ""
        target = goals.get(kpi)
        if target is not None and row["value"] == row["value"]:
            status = target_status(kpi, float(row["value"]), target)
            goal_value = tile_value(target.value, row["unit"], language, currency)
            goal = t("tile.target", language, value=goal_value)
            status_word = t(f"tile.status.{status}", language)
        tiles.append(
            Tile(
                kpi=kpi,
                stage=stage,
                direction={"▲": "up", "▼": "down", "–": "flat"}.get(arrow, "none"),
                judgement=judgement,
                label=tile_label(row, language, model),
                value=tile_value(row["value"], row["unit"], language, currency),
                arrow=arrow,
                change=change,
                n=t("tile.n", language, n=fmt_number(row["n"], language)),
                spark=_sparkline(history, kpi, stage or None, language),
                significant=t("tile.significant", language)
                if significant is not None and not pd.isna(significant) and bool(significant)
                else "",
                status=status,
                target=goal,
                status_word=status_word,
            )
        )
    return fragment("tiles", tiles=tiles)


def marker_note(table: pd.DataFrame, language: str = "en") -> str | None:
    """What the tiles' ● means, or None when no tile is compared with anything (all the data,
    or ``comparison="none"``): a legend for a mark that cannot appear is noise.

    >>> import pandas as pd
    >>> marker_note(pd.DataFrame({"previous": [float("nan")]})) is None
    True
    >>> marker_note(pd.DataFrame({"previous": [3.0]})).startswith("● marks a change")
    True
    """
    from cycleanalytics.i18n import t

    if "previous" not in table or not table["previous"].notna().any():
        return None
    return t("exec.marker_note", language)


def show_kpi_tiles(
    table: pd.DataFrame,
    language: str = "en",
    *,
    targets: Any = None,
    currency: str | None = None,
    history: pd.DataFrame | None = None,
    model: CycleModel | None = None,
) -> None:
    """Show :func:`kpi_tiles_html` in a report."""
    from IPython.display import HTML, display

    tiles = kpi_tiles_html(
        table, language, targets=targets, currency=currency, history=history, model=model
    )
    display(HTML(tiles))
