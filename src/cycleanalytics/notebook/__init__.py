"""What report notebooks call: opening the data on either engine (:func:`open_store`), kernel
set-up for offline charts, and small presentation helpers that write in the report's language.

Notebooks stay thin: they open the data with :func:`open_store`, compute with the metrics and
present with the functions here, which are plain, tested Python. Their headings and prose come
from :mod:`cycleanalytics.i18n` (:func:`show_section`), because markdown cells cannot switch
language. Nothing here runs a notebook; that is :mod:`cycleanalytics.reports`.

The package is split by concern, and every public name is re-exported here so that
``from cycleanalytics import notebook as nb; nb.funnel_table(...)`` keeps working:

- :mod:`~cycleanalytics.notebook.display`: kernel set-up, text, tables and figures;
- :mod:`~cycleanalytics.notebook.data`: opening the data, provenance and published figures;
- :mod:`~cycleanalytics.notebook.context`: the report's parameters resolved once;
- :mod:`~cycleanalytics.notebook.words`: wording every report shares (counts, basis lines);
- :mod:`~cycleanalytics.notebook.tiles`: KPI tiles and targets;
- :mod:`~cycleanalytics.notebook.summary`: the executive summary's sentences;
- one wording module per report: :mod:`~cycleanalytics.notebook.funnel`,
  :mod:`~cycleanalytics.notebook.conformance`, :mod:`~cycleanalytics.notebook.satisfaction`,
  :mod:`~cycleanalytics.notebook.complaints`, :mod:`~cycleanalytics.notebook.recovery`.
"""

from __future__ import annotations

from cycleanalytics.notebook.complaints import (
    complaints_table,
    pareto_takeaway,
    resolution_takeaway,
)
from cycleanalytics.notebook.conformance import (
    activity_paths_table,
    activity_takeaway,
    conformance_table,
    conformance_takeaway,
    rule_text,
    rules_table,
    variants_table,
    with_path_labels,
    with_rule_texts,
)
from cycleanalytics.notebook.context import (
    ReportContext,
    period_text,
    report_context,
)
from cycleanalytics.notebook.data import (
    ENGINES,
    FIGURES_MIME,
    PROVENANCE_MIME,
    data_provenance,
    open_store,
    outcome_source,
    publish_figures,
    publish_provenance,
    read_figures,
    report_figures,
    spark_session,
)
from cycleanalytics.notebook.display import (
    RENDERER_NAME,
    localize_figure,
    plotly_bundle,
    plotly_bundle_name,
    setup_notebook,
    show_figure,
    show_heading,
    show_how_to_read,
    show_list,
    show_section,
    show_sql,
    show_table,
    show_text,
)
from cycleanalytics.notebook.funnel import (
    funnel_basis,
    funnel_by_table,
    funnel_table,
    funnel_takeaway,
)
from cycleanalytics.notebook.recovery import (
    paradox_table,
    paradox_verdict,
    recovery_table,
    recovery_takeaway,
)
from cycleanalytics.notebook.satisfaction import (
    change_table,
    change_takeaway,
    satisfaction_table,
    satisfaction_takeaway,
)
from cycleanalytics.notebook.summary import (
    entry_note,
    executive_history,
    executive_kpis,
    kpi_basis_lines,
    kpi_sentences,
    show_kpi_basis,
    standout_sentences,
)
from cycleanalytics.notebook.tiles import (
    AMBER_BAND,
    Target,
    duration_text,
    format_change,
    format_kpi,
    kpi_label,
    kpi_tiles_html,
    marker_note,
    money_text,
    parse_targets,
    show_kpi_tiles,
    target_status,
    tile_value,
)
from cycleanalytics.notebook.words import (
    basis_text,
    column_header,
    count_text,
    counted_text,
    fill_group,
    group_text,
    is_all_data,
    label_stages,
    nothing_loaded,
    number_text,
    pct_text,
    share_text,
    show_chart,
    show_counted,
    with_stage_labels,
)

__all__ = [
    "AMBER_BAND",
    "ENGINES",
    "FIGURES_MIME",
    "PROVENANCE_MIME",
    "RENDERER_NAME",
    "ReportContext",
    "Target",
    "activity_paths_table",
    "activity_takeaway",
    "basis_text",
    "change_table",
    "change_takeaway",
    "column_header",
    "complaints_table",
    "conformance_table",
    "conformance_takeaway",
    "count_text",
    "counted_text",
    "data_provenance",
    "duration_text",
    "entry_note",
    "executive_history",
    "executive_kpis",
    "fill_group",
    "format_change",
    "format_kpi",
    "funnel_basis",
    "funnel_by_table",
    "funnel_table",
    "funnel_takeaway",
    "group_text",
    "is_all_data",
    "kpi_basis_lines",
    "kpi_label",
    "kpi_sentences",
    "kpi_tiles_html",
    "label_stages",
    "localize_figure",
    "marker_note",
    "money_text",
    "nothing_loaded",
    "number_text",
    "open_store",
    "outcome_source",
    "paradox_table",
    "paradox_verdict",
    "pareto_takeaway",
    "parse_targets",
    "pct_text",
    "period_text",
    "plotly_bundle",
    "plotly_bundle_name",
    "publish_figures",
    "publish_provenance",
    "read_figures",
    "recovery_table",
    "recovery_takeaway",
    "report_context",
    "report_figures",
    "resolution_takeaway",
    "rule_text",
    "rules_table",
    "satisfaction_table",
    "satisfaction_takeaway",
    "setup_notebook",
    "share_text",
    "show_chart",
    "show_counted",
    "show_figure",
    "show_heading",
    "show_how_to_read",
    "show_kpi_basis",
    "show_kpi_tiles",
    "show_list",
    "show_section",
    "show_sql",
    "show_table",
    "show_text",
    "spark_session",
    "standout_sentences",
    "target_status",
    "tile_value",
    "variants_table",
    "with_path_labels",
    "with_rule_texts",
    "with_stage_labels",
]
