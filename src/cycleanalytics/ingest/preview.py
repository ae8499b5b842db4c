"""Drafting and previewing mappings: ``mapping init`` and ``mapping check``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cycleanalytics.ingest import validate
from cycleanalytics.ingest.mapping import Mapping, read_mapping
from cycleanalytics.ingest.readers import REJECTS, ReadOptions, stage
from cycleanalytics.model import CycleModel, resolve_model
from cycleanalytics.schema import EXPORT_TABLES
from cycleanalytics.store import first_row


def draft_mapping(path: str | Path, *, kind: str | None = None) -> str:
    """A mapping file (TOML text) for ``path`` with best guesses, for a person to edit.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> text = draft_mapping(ca.sample_dir() / "complaints.csv")
    >>> 'kind = "complaints"' in text and 'opened_at = "opened_at"' in text
    True
    """
    import duckdb

    path = Path(path)
    con = duckdb.connect()
    try:
        source = stage(con, path, ReadOptions())
        source.close()
        header = source.header
    finally:
        con.close()
    if kind is None:
        from cycleanalytics.ingest.load import _kind_from_name

        scores = {
            name: sum(1 for h in header if table.closest_column(h) is not None)
            for name, table in EXPORT_TABLES.items()
        }
        kind = _kind_from_name(path) or max(scores, key=lambda k: scores[k])
    table = EXPORT_TABLES[kind]
    guesses: dict[str, str] = {}
    for h in header:
        target = h if h in table.column_names else table.closest_column(h)
        if target and target not in guesses:
            guesses[target] = h
    lines = [
        f"# Mapping drafted from {path.name}: check every line, then run",
        f"#   cycleanalytics mapping check {path.name} --mapping THIS_FILE",
        f'kind = "{kind}"',
        "",
        "[columns]  # canonical column = column in the file",
    ]
    for column in table.data_columns:
        if column.name in guesses:
            lines.append(f'{column.name} = "{guesses[column.name]}"')
        else:
            need = "required: " if column.required else ""
            lines.append(f'# {column.name} = ""  # {need}{column.doc or column.type}')
    unused = [h for h in header if h not in guesses.values()]
    if unused:
        lines.append(f"# not used: {', '.join(unused)}")
    lines += [
        "",
        "[timestamps]",
        '# format = "%Y-%m-%d %H:%M:%S"  # strptime format; default: ISO 8601',
        '# timezone = "UTC"              # zone of times written without an offset',
    ]
    if kind == "interactions":
        lines += [
            "",
            "# Activity -> stage rules, first match wins; then the model's aliases.",
            "# [[stages]]",
            '# match = "Insert ticket"',
            '# stage = "initial_interaction"',
        ]
    return "\n".join(lines) + "\n"


@dataclass
class MappingCheck:
    """What loading ``file`` with a mapping would do (nothing is written)."""

    file: Path
    kind: str
    rows_read: int
    rows_loaded: int
    stages: pd.DataFrame = field(default_factory=pd.DataFrame)
    unmapped: pd.DataFrame = field(default_factory=pd.DataFrame)
    unused_columns: list[str] = field(default_factory=list)
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def rows_quarantined(self) -> int:
        return self.rows_read - self.rows_loaded

    @property
    def coverage(self) -> float | None:
        """Share of accepted events whose activity maps to a stage (interactions only)."""
        if self.stages.empty:
            return None
        total = int(self.stages["events"].sum())
        mapped = int(self.stages.loc[self.stages["stage"].notna(), "events"].sum())
        return mapped / total if total else None


def check_mapping(
    path: str | Path,
    mapping: Mapping | str | Path | None = None,
    *,
    kind: str | None = None,
    model: CycleModel | str | Path | None = None,
) -> MappingCheck:
    """Preview a load: rows per stage, unmapped activities, unused columns, rejected rows.

    Examples
    --------
    >>> import cycleanalytics as ca
    >>> check = check_mapping(ca.sample_dir() / "interactions.csv")
    >>> check.rows_quarantined, round(check.coverage, 2) > 0.5
    (0, True)
    """
    from cycleanalytics.ingest.load import prepare
    from cycleanalytics.store import Store

    model = resolve_model(model)
    if mapping is None:
        mapping = Mapping()
    elif not isinstance(mapping, Mapping):
        mapping = read_mapping(mapping, model)
    path = Path(path)
    with Store() as store:
        con = store.con
        name, columns, _, unused = prepare(con, path, kind, model, mapping)
        typed = validate.TYPED
        rejected = first_row(con, f"SELECT count(*) FROM {REJECTS}")[0]
        accepted = first_row(con, f"SELECT count(*) FROM {typed} WHERE _reason = ''")[0]
        stages = unmapped = pd.DataFrame()
        if "stage" in columns:
            stages = con.execute(
                f"SELECT stage, count(*) AS events FROM {typed} WHERE _reason = '' "
                "GROUP BY stage ORDER BY events DESC, stage"
            ).df()
        if "stage" in columns and "activity" in columns:
            unmapped = con.execute(
                f"SELECT activity, count(*) AS events FROM {typed} "
                "WHERE _reason = '' AND stage IS NULL GROUP BY activity "
                "ORDER BY events DESC, activity"
            ).df()
        reasons = con.execute(
            f"SELECT _line AS line, reason FROM {REJECTS} ORDER BY _line LIMIT 20"
        ).df()
    return MappingCheck(
        path, name, accepted + rejected, accepted, stages, unmapped, unused, reasons
    )
