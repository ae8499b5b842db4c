"""Labels and generated text of manager reports in English, Indonesian and Malay.

Every text a report shows to a manager comes from :data:`TEXTS` through :func:`t`, so a
language is one table. Numbers are written the local way by :func:`fmt_number` and
:func:`fmt_share` (Indonesian: ``1.234,5``; English and Malay: ``1,234.5``).

Examples
--------
>>> t("kpi.cases", "id")
'Kasus'
>>> fmt_number(1234.5, "id", decimals=1)
'1.234,5'
>>> fmt_share(0.4567, "en")
'45.7%'
"""

from __future__ import annotations

import math

from cycleanalytics.errors import ParameterError

LANGUAGES = ("en", "id", "ms")

#: Stage labels (DESIGN §1); English from the default model, Indonesian from seed 000.
STAGE_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "pre_interaction": "Pre-interaction",
        "initial_interaction": "Initial interaction",
        "service_delivery": "Service delivery",
        "follow_up": "Follow-up",
        "service_recovery": "Service recovery",
    },
    "id": {
        "pre_interaction": "Pra-interaksi",
        "initial_interaction": "Interaksi awal",
        "service_delivery": "Penyampaian layanan",
        "follow_up": "Tindak lanjut",
        "service_recovery": "Pemulihan layanan",
    },
    "ms": {
        "pre_interaction": "Pra-interaksi",
        "initial_interaction": "Interaksi awal",
        "service_delivery": "Penyampaian perkhidmatan",
        "follow_up": "Susulan",
        "service_recovery": "Pemulihan perkhidmatan",
    },
}

TEXTS: dict[str, dict[str, str]] = {
    # header
    "header.period": {"en": "Period", "id": "Periode", "ms": "Tempoh"},
    "header.comparison": {"en": "Compared with", "id": "Dibandingkan dengan", "ms": "Berbanding"},
    "header.filters": {"en": "Filters", "id": "Filter", "ms": "Penapis"},
    "header.no_filters": {"en": "none", "id": "tidak ada", "ms": "tiada"},
    "header.data_as_of": {"en": "Data as of", "id": "Data per", "ms": "Data setakat"},
    "header.loads": {"en": "Loads", "id": "Muatan data", "ms": "Muatan data"},
    "header.version": {"en": "cycleanalytics", "id": "cycleanalytics", "ms": "cycleanalytics"},
    "header.run": {"en": "Run", "id": "Dijalankan", "ms": "Dijalankan"},
    "header.all_data": {"en": "all data", "id": "semua data", "ms": "semua data"},
    # KPI names
    "kpi.cases": {"en": "Cases", "id": "Kasus", "ms": "Kes"},
    "kpi.csat": {
        "en": "CSAT (satisfied, 4-5 of 5)",
        "id": "CSAT (puas, 4-5 dari 5)",
        "ms": "CSAT (berpuas hati, 4-5 daripada 5)",
    },
    "kpi.nps": {"en": "NPS", "id": "NPS", "ms": "NPS"},
    "kpi.complaints_per_1000": {
        "en": "Complaints per 1,000 cases",
        "id": "Keluhan per 1.000 kasus",
        "ms": "Aduan bagi setiap 1,000 kes",
    },
    "kpi.cost_per_case": {"en": "Cost per case", "id": "Biaya per kasus", "ms": "Kos setiap kes"},
    "kpi.median_resolution_h": {
        "en": "Median hours to resolve a complaint",
        "id": "Median jam penyelesaian keluhan",
        "ms": "Median jam untuk menyelesaikan aduan",
    },
    "kpi.recovery_success": {
        "en": "Recovery success",
        "id": "Keberhasilan pemulihan",
        "ms": "Kejayaan pemulihan",
    },
    "kpi.dropoff": {
        "en": "Lost before {stage}",
        "id": "Hilang sebelum {stage}",
        "ms": "Hilang sebelum {stage}",
    },
    # tile parts
    "tile.vs": {
        "en": "vs {value} before",
        "id": "vs {value} sebelumnya",
        "ms": "vs {value} sebelum",
    },
    "tile.no_comparison": {
        "en": "no comparison",
        "id": "tanpa pembanding",
        "ms": "tiada perbandingan",
    },
    "tile.significant": {
        "en": "significant change",
        "id": "perubahan signifikan",
        "ms": "perubahan signifikan",
    },
    "tile.points": {"en": "points", "id": "poin", "ms": "mata"},
    "tile.n": {"en": "n = {n}", "id": "n = {n}", "ms": "n = {n}"},
    # sentences
    "say.cases": {
        "en": "{n} customer journeys started in {period}.",
        "id": "{n} perjalanan pelanggan dimulai pada {period}.",
        "ms": "{n} perjalanan pelanggan bermula dalam {period}.",
    },
    "say.up": {"en": "up", "id": "naik", "ms": "naik"},
    "say.down": {"en": "down", "id": "turun", "ms": "turun"},
    "say.change": {
        "en": "{kpi} was {value}, {direction} from {before} in the comparison period.",
        "id": "{kpi} sebesar {value}, {direction} dari {before} pada periode pembanding.",
        "ms": "{kpi} ialah {value}, {direction} daripada {before} dalam tempoh perbandingan.",
    },
    "say.same": {
        "en": "{kpi} was {value}, the same as in the comparison period.",
        "id": "{kpi} sebesar {value}, sama dengan periode pembanding.",
        "ms": "{kpi} ialah {value}, sama seperti tempoh perbandingan.",
    },
    "say.value": {
        "en": "{kpi} was {value}.",
        "id": "{kpi} sebesar {value}.",
        "ms": "{kpi} ialah {value}.",
    },
    "say.significant": {
        "en": "This change is larger than chance would explain.",
        "id": "Perubahan ini lebih besar daripada yang dapat dijelaskan oleh kebetulan.",
        "ms": "Perubahan ini lebih besar daripada yang boleh dijelaskan oleh kebetulan.",
    },
    "say.not_significant": {
        "en": "This change could be chance.",
        "id": "Perubahan ini bisa jadi kebetulan.",
        "ms": "Perubahan ini mungkin kebetulan.",
    },
    "say.few": {
        "en": "There are too few answers to tell whether this change is real.",
        "id": "Jawaban terlalu sedikit untuk menilai apakah perubahan ini nyata.",
        "ms": "Jawapan terlalu sedikit untuk menilai sama ada perubahan ini benar.",
    },
    "say.dropoff": {
        "en": "Most journeys are lost before {stage}: {share} of those who reached {before} "
        "did not get there.",
        "id": "Perjalanan paling banyak hilang sebelum {stage}: {share} dari yang mencapai "
        "{before} tidak sampai ke sana.",
        "ms": "Perjalanan paling banyak hilang sebelum {stage}: {share} daripada yang sampai ke "
        "{before} tidak tiba di sana.",
    },
    "say.no_data": {
        "en": "No customer journeys started in {period}.",
        "id": "Tidak ada perjalanan pelanggan yang dimulai pada {period}.",
        "ms": "Tiada perjalanan pelanggan bermula dalam {period}.",
    },
    "word.to": {"en": "to", "id": "s.d.", "ms": "hingga"},
    # executive summary
    "exec.title": {
        "en": "Executive summary",
        "id": "Ringkasan eksekutif",
        "ms": "Ringkasan eksekutif",
    },
    "exec.kpis": {"en": "Key figures", "id": "Angka utama", "ms": "Angka utama"},
    "exec.summary": {"en": "In short", "id": "Singkatnya", "ms": "Ringkasnya"},
    "exec.funnel": {
        "en": "Where journeys are lost",
        "id": "Di mana perjalanan hilang",
        "ms": "Di mana perjalanan hilang",
    },
    "exec.funnel_note": {
        "en": "Each bar is the number of journeys that reached the stage after the stage "
        "before it.",
        "id": "Setiap batang adalah jumlah perjalanan yang mencapai tahap ini setelah tahap "
        "sebelumnya.",
        "ms": "Setiap bar ialah bilangan perjalanan yang sampai ke peringkat ini selepas "
        "peringkat sebelumnya.",
    },
    "exec.marker_note": {
        "en": "● marks a change larger than chance would explain (tested only with at least "
        "30 answers in both periods; the median resolution time is not tested).",
        "id": "● menandai perubahan yang lebih besar daripada kebetulan (diuji hanya bila "
        "ada minimal 30 jawaban di kedua periode; median waktu penyelesaian tidak diuji).",
        "ms": "● menandakan perubahan yang lebih besar daripada kebetulan (diuji hanya jika "
        "ada sekurang-kurangnya 30 jawapan dalam kedua-dua tempoh; median masa penyelesaian "
        "tidak diuji).",
    },
    # index page
    "index.title": {"en": "Reports", "id": "Laporan", "ms": "Laporan"},
    "index.failed": {"en": "failed", "id": "gagal", "ms": "gagal"},
}


def check_language(language: str) -> str:
    """``language`` if it is one of :data:`LANGUAGES`, else a :class:`ParameterError`."""
    if language not in LANGUAGES:
        raise ParameterError(
            f"language {language!r} is not available; choose one of: {', '.join(LANGUAGES)}"
        )
    return language


def t(key: str, language: str = "en", **values: object) -> str:
    """The text ``key`` in ``language``, with ``{placeholders}`` filled from ``values``."""
    text = TEXTS[key][check_language(language)]
    return text.format(**values) if values else text


def stage_label(stage: str, language: str = "en") -> str:
    """A stage's name in ``language`` (the id itself for a stage of another model)."""
    return STAGE_LABELS[check_language(language)].get(stage, stage.replace("_", " ").capitalize())


def fmt_number(value: float | None, language: str = "en", *, decimals: int = 0) -> str:
    """A number with the language's separators; a dash when it is missing (None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if check_language(language) == "id":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def fmt_share(value: float | None, language: str = "en", *, decimals: int = 1) -> str:
    """A share (0.456) as a percentage (``45.6%``; Indonesian ``45,6%``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{fmt_number(100 * value, language, decimals=decimals)}%"
