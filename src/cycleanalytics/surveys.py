"""Wide survey files (one row per respondent, one column per rated aspect) as driver tables.

A *survey map* (TOML, shipped in ``cycleanalytics/surveys/`` or your own file) names the
aspect columns, places each on a stage of the cycle, names the outcome columns and the codes
that mean "not applicable". :func:`read_survey` turns the file into the table
:func:`cycleanalytics.metrics.key_drivers` reads: one row per respondent, one float column
per aspect (missing codes as NaN), one per outcome, and the segment columns, with the stage
of each aspect in ``df.attrs["driver_stages"]``.

A map looks like this::

    name = "Airline passenger satisfaction survey"
    file = "airline_passenger_satisfaction_30pct_sample.csv"   # recognised by this file name
    scale = [1, 5]
    missing = [0]                    # codes read as "no answer"
    segments = ["Class"]             # kept for breakdowns
    [outcomes.satisfaction]
    column = "satisfaction"
    values = { "satisfied" = 1, "neutral or dissatisfied" = 0 }
    [drivers.online_boarding]
    column = "Online_boarding"
    label = "Online boarding"
    stage = "initial_interaction"    # a stage id of the cycle model
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cycleanalytics.errors import LoadError

if TYPE_CHECKING:
    import pandas as pd

    from cycleanalytics.model import CycleModel

MAPS = Path(__file__).resolve().parent / "surveys"


@dataclass(frozen=True)
class Aspect:
    column: str
    label: str
    stage: str | None = None


@dataclass(frozen=True)
class Outcome:
    column: str
    label: str
    values: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SurveyMap:
    """Which columns of a wide survey file are aspects (drivers), outcomes and segments."""

    name: str
    source: str
    file: str | None
    scale: tuple[float, float]
    missing: tuple[float, ...]
    segments: tuple[str, ...]
    outcomes: dict[str, Outcome]
    drivers: dict[str, Aspect]

    @property
    def driver_stages(self) -> dict[str, str | None]:
        return {k: a.stage for k, a in self.drivers.items()}


def survey_maps() -> list[str]:
    """Names of the shipped survey maps.

    >>> survey_maps()
    ['airline_passenger_satisfaction', 'skytrax_reviews']
    """
    return sorted(p.stem for p in MAPS.glob("*.toml"))


def load_survey_map(
    survey: str | Path, *, model: CycleModel | str | Path | None = None
) -> SurveyMap:
    """A shipped map by name, or a map file; every stage must be a stage of ``model``.

    >>> m = load_survey_map("skytrax_reviews")
    >>> m.drivers["ground_service"].stage, sorted(m.outcomes)
    ('initial_interaction', ['overall', 'recommend'])
    """
    from cycleanalytics.model import resolve_model

    path = Path(survey)
    if not path.suffix:
        if str(survey) not in survey_maps():
            close = difflib.get_close_matches(str(survey), survey_maps(), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise LoadError(
                f"no survey map named {survey!r}{hint} Shipped maps: {', '.join(survey_maps())}; "
                "or give the path of your own TOML map"
            )
        path = MAPS / f"{survey}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LoadError(f"cannot read the survey map {path}: {exc}") from None
    source = str(path)
    if not data.get("drivers") or not data.get("outcomes"):
        raise LoadError(f"{source}: a survey map needs [drivers.NAME] and [outcomes.NAME] tables")
    stages = {s.id for s in resolve_model(model).stages}
    drivers = {}
    for key, spec in data["drivers"].items():
        if "column" not in spec:
            raise LoadError(f"{source}: [drivers.{key}] has no column")
        stage = spec.get("stage")
        if stage is not None and stage not in stages:
            raise LoadError(
                f"{source}: [drivers.{key}] stage {stage!r} is not a stage of the cycle model; "
                f"stages are: {', '.join(sorted(stages))}"
            )
        drivers[str(key)] = Aspect(str(spec["column"]), str(spec.get("label", key)), stage)
    outcomes = {}
    for key, spec in data["outcomes"].items():
        if "column" not in spec:
            raise LoadError(f"{source}: [outcomes.{key}] has no column")
        values = {str(k): float(v) for k, v in spec.get("values", {}).items()}
        outcomes[str(key)] = Outcome(str(spec["column"]), str(spec.get("label", key)), values)
    scale = tuple(float(v) for v in data.get("scale", (1, 5)))
    if len(scale) != 2 or scale[0] >= scale[1]:
        raise LoadError(f"{source}: scale must be [lowest, highest], not {data.get('scale')}")
    return SurveyMap(
        name=str(data.get("name", path.stem)),
        source=source,
        file=data.get("file"),
        scale=(scale[0], scale[1]),
        missing=tuple(float(v) for v in data.get("missing", ())),
        segments=tuple(str(s) for s in data.get("segments", ())),
        outcomes=outcomes,
        drivers=drivers,
    )


def _guess_map(path: Path) -> str:
    for name in survey_maps():
        if load_survey_map(name).file == path.name:
            return name
    raise LoadError(
        f"no shipped survey map is for {path.name!r}; pass survey= (one of "
        f"{', '.join(survey_maps())}) or the path of your own map"
    )


def read_survey(
    path: str | Path,
    survey: str | Path | None = None,
    *,
    model: CycleModel | str | Path | None = None,
) -> pd.DataFrame:
    """Read a wide survey CSV into a driver table with each aspect placed on a stage.

    Parameters
    ----------
    path
        The survey file (CSV, one row per respondent).
    survey
        A shipped map name (:func:`survey_maps`) or a map file; by default the shipped map
        whose ``file`` is this file's name.
    model
        The cycle model the stages must belong to (default: the five-stage model).

    Returns
    -------
    DataFrame
        The segment columns, one float column per aspect (named by the map's keys; missing
        codes and blanks as NaN, values outside the scale rejected) and one per outcome.
        ``attrs`` holds ``survey``, ``driver_stages``, ``driver_labels``, ``outcomes``
        (name -> label), ``outcome`` (the first outcome: the default), ``scale``, ``rows``
        and ``not_applicable`` (per aspect, how many answers were a missing code or blank).

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "reviews.csv").write_text(
    ...     "airline_name,overall_score,seat_comfort_rating,service_rating,food_rating,"
    ...     "entertainment_rating,groundservice_rating,wifi_rating,value_rating,recommended\\n"
    ...     "x,9,5,5,4,0,5,0,5,1\\n")
    >>> df = read_survey(folder / "reviews.csv")
    >>> float(df["seat_comfort"].iloc[0]), bool(df["wifi"].isna().iloc[0])
    (5.0, True)
    >>> df.attrs["driver_stages"]["ground_service"]
    'initial_interaction'
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise LoadError(f"survey file not found: {path}")
    spec = load_survey_map(survey if survey is not None else _guess_map(path), model=model)
    try:
        raw = pd.read_csv(path, low_memory=False)
    except (OSError, ValueError) as exc:
        raise LoadError(f"cannot read the survey file {path}: {exc}") from None
    wanted = [a.column for a in spec.drivers.values()] + [o.column for o in spec.outcomes.values()]
    missing = [c for c in wanted if c not in raw.columns]
    if missing:
        raise LoadError(
            f"{path.name} has no column(s) {missing} that the map {spec.name!r} names; its "
            f"columns are: {', '.join(map(str, raw.columns))}. Edit the map ({spec.source})"
        )
    out = pd.DataFrame(index=raw.index)
    for name in spec.segments:
        if name in raw.columns:
            column = raw[name]
            out[name] = column.str.strip() if column.dtype == object else column
    not_applicable = {}
    low, high = spec.scale
    for key, aspect in spec.drivers.items():
        values = pd.to_numeric(raw[aspect.column], errors="coerce").astype("float64")
        values = values.mask(values.isin(spec.missing))
        bad = values.notna() & ((values < low) | (values > high))
        if bad.any():
            raise LoadError(
                f"{path.name}: {aspect.column} has {int(bad.sum())} value(s) outside the scale "
                f"{low:g}-{high:g} (first: {values[bad].iloc[0]:g}, row {int(bad.idxmax()) + 2});"
                " fix the map's scale or missing codes"
            )
        not_applicable[key] = int(values.isna().sum())
        out[key] = values
    for key, outcome in spec.outcomes.items():
        column = raw[outcome.column]
        if outcome.values:
            text = column.astype("string").str.strip()
            unknown = sorted(set(text.dropna()) - set(outcome.values))
            if unknown:
                raise LoadError(
                    f"{path.name}: {outcome.column} has value(s) {unknown[:5]} the map does not "
                    f"code; add them under [outcomes.{key}] values"
                )
            out[key] = text.map(outcome.values).astype("float64")
        else:
            out[key] = pd.to_numeric(column, errors="coerce").astype("float64")
    out.attrs.update(
        survey=spec.name,
        driver_stages=spec.driver_stages,
        driver_labels={k: a.label for k, a in spec.drivers.items()},
        outcomes={k: o.label for k, o in spec.outcomes.items()},
        outcome=next(iter(spec.outcomes)),
        scale=spec.scale,
        rows=len(out),
        not_applicable=not_applicable,
    )
    return out
