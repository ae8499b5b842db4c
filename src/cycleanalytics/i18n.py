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
import re
from datetime import date

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
    "header.engine": {"en": "Engine", "id": "Mesin", "ms": "Enjin"},
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
    "kpi.loop_closure": {
        "en": "Follow-ups within 48 h",
        "id": "Tindak lanjut dalam 48 jam",
        "ms": "Susulan dalam 48 jam",
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
    "say.not_measured": {
        "en": "{kpi}: not measured in this data.",
        "id": "{kpi}: tidak terukur dalam data ini.",
        "ms": "{kpi}: tidak dapat diukur dalam data ini.",
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
    "funnel.entry_note": {
        "en": "The data never records {unrecorded}: journeys enter the funnel at {entry}, the "
        "first stage it does record.",
        "id": "Data tidak pernah mencatat {unrecorded}: perjalanan masuk ke corong pada "
        "{entry}, tahap pertama yang dicatat.",
        "ms": "Data tidak pernah merekodkan {unrecorded}: perjalanan memasuki corong pada "
        "{entry}, peringkat pertama yang direkodkan.",
    },
    "exec.standout": {"en": "What stands out", "id": "Yang menonjol", "ms": "Yang menonjol"},
    "exec.standout_note": {
        "en": "Each line compares one channel or complaint area with all the others together. "
        "Only differences larger than chance would explain, allowing for the number of "
        "comparisons made, are listed.",
        "id": "Setiap baris membandingkan satu saluran atau area keluhan dengan semua yang lain. "
        "Hanya perbedaan yang lebih besar daripada yang dapat dijelaskan oleh kebetulan, "
        "dengan memperhitungkan jumlah perbandingan, yang ditampilkan.",
        "ms": "Setiap baris membandingkan satu saluran atau bidang aduan dengan semua yang lain. "
        "Hanya perbezaan yang lebih besar daripada yang boleh dijelaskan oleh kebetulan, "
        "dengan mengambil kira bilangan perbandingan, disenaraikan.",
    },
    "exec.standout_none": {
        "en": "Nothing stands out: no channel or complaint area differs from the others by more "
        "than chance would explain.",
        "id": "Tidak ada yang menonjol: tidak ada saluran atau area keluhan yang berbeda dari "
        "yang lain lebih dari yang dapat dijelaskan oleh kebetulan.",
        "ms": "Tiada yang menonjol: tiada saluran atau bidang aduan yang berbeza daripada yang "
        "lain lebih daripada yang boleh dijelaskan oleh kebetulan.",
    },
    "standout.csat": {
        "en": "Answers given through {group} are satisfied (CSAT) {value} of the time, against "
        "{reference} through the other channels.",
        "id": "Jawaban melalui {group} puas (CSAT) {value}, dibandingkan {reference} melalui "
        "saluran lain.",
        "ms": "Jawapan melalui {group} berpuas hati (CSAT) {value}, berbanding {reference} "
        "melalui saluran lain.",
    },
    "standout.reach": {
        "en": "Journeys that start through {group} reach {stage} in {value} of cases, against "
        "{reference} for the other channels.",
        "id": "Perjalanan yang dimulai melalui {group} mencapai {stage} pada {value} kasus, "
        "dibandingkan {reference} untuk saluran lain.",
        "ms": "Perjalanan yang bermula melalui {group} sampai ke {stage} dalam {value} kes, "
        "berbanding {reference} bagi saluran lain.",
    },
    "standout.reopen_rate": {
        "en": "Complaints about {group} are reopened {value} of the time, against {reference} "
        "for the other areas.",
        "id": "Keluhan tentang {group} dibuka kembali {value}, dibandingkan {reference} untuk "
        "area lain.",
        "ms": "Aduan tentang {group} dibuka semula {value}, berbanding {reference} bagi bidang "
        "lain.",
    },
    "standout.recurrence_rate": {
        "en": "Customers who complained about {group} complain about it again in {value} of "
        "cases, against {reference} for the other areas.",
        "id": "Pelanggan yang mengeluh tentang {group} mengeluh lagi pada {value} kasus, "
        "dibandingkan {reference} untuk area lain.",
        "ms": "Pelanggan yang mengadu tentang {group} mengadu lagi dalam {value} kes, berbanding "
        "{reference} bagi bidang lain.",
    },
    "standout.recovery_success": {
        "en": "Recovery after complaints about {group} succeeds {value} of the time, against "
        "{reference} for the other areas.",
        "id": "Pemulihan setelah keluhan tentang {group} berhasil {value}, dibandingkan "
        "{reference} untuk area lain.",
        "ms": "Pemulihan selepas aduan tentang {group} berjaya {value}, berbanding {reference} "
        "bagi bidang lain.",
    },
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
    "index.failed_count": {"en": "{n} failed", "id": "{n} gagal", "ms": "{n} gagal"},
    "index.back": {"en": "← All reports", "id": "← Semua laporan", "ms": "← Semua laporan"},
    "index.as_of": {"en": "as of {date}", "id": "per {date}", "ms": "setakat {date}"},
    "index.run": {
        "en": "Run {when} UTC",
        "id": "Dijalankan {when} UTC",
        "ms": "Dijalankan {when} UTC",
    },
    "index.partial": {
        "en": "partly executed notebook",
        "id": "notebook yang sebagian dijalankan",
        "ms": "buku nota yang separa dijalankan",
    },
    "index.no_runs": {
        "en": "No reports yet.",
        "id": "Belum ada laporan.",
        "ms": "Belum ada laporan.",
    },
    "index.complaints": {"en": "Complaints", "id": "Keluhan", "ms": "Aduan"},
    "index.median_resolution_h": {
        "en": "Median time to resolve",
        "id": "Median waktu penyelesaian",
        "ms": "Median masa penyelesaian",
    },
    "index.purpose.executive_summary": {
        "en": "The key figures of the period against the one before, and what changed.",
        "id": "Angka utama periode ini dibandingkan periode sebelumnya, dan apa yang berubah.",
        "ms": "Angka utama tempoh ini berbanding tempoh sebelumnya, dan apa yang berubah.",
    },
    "index.purpose.stage_funnel": {
        "en": "How many journeys reach each stage, and where most are lost.",
        "id": "Berapa banyak perjalanan mencapai setiap tahap, dan di mana paling banyak hilang.",
        "ms": "Berapa banyak perjalanan sampai ke setiap peringkat, dan di mana paling banyak "
        "hilang.",
    },
    "index.purpose.satisfaction": {
        "en": "How satisfied customers are (CSAT, NPS), by channel and month.",
        "id": "Seberapa puas pelanggan (CSAT, NPS), per kanal dan bulan.",
        "ms": "Sejauh mana pelanggan berpuas hati (CSAT, NPS), mengikut saluran dan bulan.",
    },
    "index.purpose.complaints": {
        "en": "What customers complain about, and how long complaints take to resolve.",
        "id": "Apa yang dikeluhkan pelanggan, dan berapa lama keluhan diselesaikan.",
        "ms": "Apa yang diadukan oleh pelanggan, dan berapa lama aduan diselesaikan.",
    },
    "index.purpose.recovery": {
        "en": "Whether a complaint ends with a recovered customer, by remedy.",
        "id": "Apakah keluhan berakhir dengan pelanggan yang pulih, per bentuk pemulihan.",
        "ms": "Sama ada aduan berakhir dengan pelanggan yang dipulihkan, mengikut bentuk "
        "pemulihan.",
    },
    "index.purpose.drivers": {
        "en": "What moves satisfaction most, stage by stage, and how sure that is.",
        "id": "Apa yang paling memengaruhi kepuasan, per tahap, dan seberapa pasti.",
        "ms": "Apa yang paling mempengaruhi kepuasan, mengikut peringkat, dan sejauh mana pasti.",
    },
    "index.purpose.conformance": {
        "en": "How closely real journeys follow the cycle model, and which rules they break.",
        "id": "Seberapa dekat perjalanan nyata mengikuti model siklus, dan aturan mana yang "
        "dilanggar.",
        "ms": "Sejauh mana perjalanan sebenar mengikut model kitaran, dan peraturan mana yang "
        "dilanggar.",
    },
    "index.purpose.explore": {
        "en": "Journeys, paths and stages in detail, for analysts.",
        "id": "Perjalanan, jalur, dan tahap secara rinci, untuk analis.",
        "ms": "Perjalanan, laluan dan peringkat secara terperinci, untuk penganalisis.",
    },
    "unit.days": {"en": "{n} days", "id": "{n} hari", "ms": "{n} hari"},
    "tile.target": {"en": "target {value}", "id": "target {value}", "ms": "sasaran {value}"},
    "tile.status.green": {"en": "on target", "id": "sesuai target", "ms": "mencapai sasaran"},
    "tile.status.amber": {
        "en": "just off target",
        "id": "sedikit di bawah target",
        "ms": "hampir mencapai sasaran",
    },
    "tile.status.red": {
        "en": "off target",
        "id": "tidak sesuai target",
        "ms": "tidak mencapai sasaran",
    },
    "tile.median_resolution_h": {
        "en": "Median time to resolve a complaint",
        "id": "Median waktu penyelesaian keluhan",
        "ms": "Median masa penyelesaian aduan",
    },
    "unit.hours": {"en": "{n} h", "id": "{n} jam", "ms": "{n} jam"},
}

#: Month names for periods in words (index page), by language.
MONTH_NAMES = {
    "en": "January February March April May June July August September October November December",
    "id": "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember",
    "ms": "Januari Februari Mac April Mei Jun Julai Ogos September Oktober November Disember",
}


def date_words(day: date, language: str = "en") -> str:
    """A day in words: ``1 March 2026`` (``1 Maret 2026``, ``1 Mac 2026``).

    >>> date_words(date(2026, 3, 1), "id")
    '1 Maret 2026'
    """
    month = MONTH_NAMES[check_language(language)].split()[day.month - 1]
    return f"{day.day} {month} {day.year}"


def period_words(first: date | None, last: date | None, language: str = "en") -> str:
    """Whole days from ``first`` to ``last`` in words: a month is ``March 2026``, a year
    ``2026``, months ``January to March 2026``, other days ``1 March 2026 to 15 March 2026``;
    no period is "all data".

    >>> period_words(date(2026, 3, 1), date(2026, 3, 31)), period_words(None, None, "id")
    ('March 2026', 'semua data')
    >>> period_words(date(2026, 1, 1), date(2026, 3, 31), "ms")
    'Januari hingga Mac 2026'
    """
    import calendar

    if first is None or last is None:
        return t("header.all_data", language)
    names = MONTH_NAMES[check_language(language)].split()
    to = t("word.to", language)
    whole_months = first.day == 1 and last.day == calendar.monthrange(last.year, last.month)[1]
    if whole_months and (first.year, first.month) == (last.year, last.month):
        return f"{names[first.month - 1]} {first.year}"
    if whole_months and first.year == last.year:
        if (first.month, last.month) == (1, 12):
            return str(first.year)
        return f"{names[first.month - 1]} {to} {names[last.month - 1]} {last.year}"
    if first == last:
        return date_words(first, language)
    return f"{date_words(first, language)} {to} {date_words(last, language)}"


# -- the other reports: headings, prose, tables, sentences ----------------------------------------
# Keys are grouped by report (``funnel.``, ``conf.``, ``sat.``, ``compl.``, ``rec.``); shared
# words are ``word.``, ``col.`` (table column headers) and ``basis.``. Sections of prose are
# shown by :func:`cycleanalytics.notebook.show_section` from ``<key>.heading``, ``<key>.text``
# and the bullets ``<key>.1``, ``<key>.2``...

REPORT_TEXTS: dict[str, dict[str, str]] = {
    # shared words
    "word.n_of": {"en": "{n} of {total}", "id": "{n} dari {total}", "ms": "{n} daripada {total}"},
    "word.of_n": {"en": " of {n}", "id": " dari {n}", "ms": " daripada {n}"},
    "word.yes": {"en": "yes", "id": "ya", "ms": "ya"},
    "word.no": {"en": "no", "id": "tidak", "ms": "tidak"},
    "word.not_recorded": {"en": "not recorded", "id": "tidak tercatat", "ms": "tidak direkodkan"},
    "word.all": {"en": "all", "id": "semua", "ms": "semua"},
    "word.few_answers": {
        "en": " (few answers)",
        "id": " (sedikit jawaban)",
        "ms": " (sedikit jawapan)",
    },
    "word.significant": {"en": "● significant", "id": "● signifikan", "ms": "● signifikan"},
    "word.too_few_answers": {
        "en": "too few answers",
        "id": "jawaban terlalu sedikit",
        "ms": "jawapan terlalu sedikit",
    },
    "word.how_to_read": {
        "en": "How to read these numbers",
        "id": "Cara membaca angka-angka ini",
        "ms": "Cara membaca angka-angka ini",
    },
    "word.english_only": {
        "en": "This analyst notebook is in English only.",
        "id": "Notebook analis ini hanya tersedia dalam bahasa Inggris.",
        "ms": "Buku nota penganalisis ini hanya tersedia dalam bahasa Inggeris.",
    },
    # how a measure is counted (the metrics' declared scopes, metrics/definitions.py)
    "counted.line": {
        "en": "How this is counted: {population}; the period by {time}, the channel by {channel}.",
        "id": "Cara menghitung: {population}; periode menurut {time}, saluran menurut {channel}.",
        "ms": "Cara dikira: {population}; tempoh mengikut {time}, saluran mengikut {channel}.",
    },
    "counted.kpi": {
        "en": "{kpi}: {population}, by {time}",
        "id": "{kpi}: {population}, menurut {time}",
        "ms": "{kpi}: {population}, mengikut {time}",
    },
    "counted.kpis": {
        "en": "How the tiles are counted",
        "id": "Cara menghitung angka di atas",
        "ms": "Cara angka di atas dikira",
    },
    "counted.time.case_start": {
        "en": "the day the journey started",
        "id": "hari perjalanan pelanggan dimulai",
        "ms": "hari perjalanan pelanggan bermula",
    },
    "counted.time.event_time": {
        "en": "the day of each contact or answer",
        "id": "hari setiap kontak atau jawaban",
        "ms": "hari setiap interaksi atau jawapan",
    },
    "counted.time.complaint_opened": {
        "en": "the day each complaint was opened",
        "id": "hari setiap keluhan dibuka",
        "ms": "hari setiap aduan dibuka",
    },
    "counted.time.period_end": {
        "en": "the last day of each period shown",
        "id": "hari terakhir setiap periode yang ditampilkan",
        "ms": "hari terakhir setiap tempoh yang ditunjukkan",
    },
    "counted.time.trigger_time": {
        "en": "the day the answer or complaint calling for a follow-up came",
        "id": "hari jawaban atau keluhan yang perlu ditindaklanjuti masuk",
        "ms": "hari jawapan atau aduan yang perlu disusuli diterima",
    },
    "counted.channel.trigger_channel": {
        "en": "the channel of that answer or complaint",
        "id": "saluran jawaban atau keluhan itu",
        "ms": "saluran jawapan atau aduan itu",
    },
    "counted.channel.entry_channel": {
        "en": "the channel the journey started through",
        "id": "saluran tempat perjalanan dimulai",
        "ms": "saluran perjalanan bermula",
    },
    "counted.channel.event_channel": {
        "en": "the channel of each contact",
        "id": "saluran setiap kontak",
        "ms": "saluran setiap interaksi",
    },
    "counted.channel.complaint_channel": {
        "en": "the channel each complaint came through",
        "id": "saluran masuknya setiap keluhan",
        "ms": "saluran setiap aduan diterima",
    },
    "counted.population.cases": {
        "en": "customer journeys",
        "id": "perjalanan pelanggan",
        "ms": "perjalanan pelanggan",
    },
    "counted.population.answers": {
        "en": "answers to surveys",
        "id": "jawaban survei",
        "ms": "jawapan tinjauan",
    },
    "counted.population.complaints": {"en": "complaints", "id": "keluhan", "ms": "aduan"},
    "counted.population.respondents": {
        "en": "survey respondents",
        "id": "responden survei",
        "ms": "responden tinjauan",
    },
    "counted.time.none": {
        "en": "nothing (the survey file is used as it is)",
        "id": "tidak ada (file survei dipakai apa adanya)",
        "ms": "tiada (fail tinjauan digunakan seadanya)",
    },
    "counted.channel.none": {
        "en": "nothing",
        "id": "tidak ada",
        "ms": "tiada",
    },
    "counted.population.events": {
        "en": "contacts and their costs",
        "id": "kontak dan biayanya",
        "ms": "interaksi dan kosnya",
    },
    # what a section is based on
    "basis.all": {
        "en": "Based on {n} {what}, from all the data available",
        "id": "Berdasarkan {n} {what}, dari semua data yang tersedia",
        "ms": "Berdasarkan {n} {what}, daripada semua data yang tersedia",
    },
    "basis.period": {
        "en": "Based on {n} {what}, from {period}",
        "id": "Berdasarkan {n} {what}, periode {period}",
        "ms": "Berdasarkan {n} {what}, dalam tempoh {period}",
    },
    "basis.segment": {
        "en": ", of customers in segment {segment}",
        "id": ", dari pelanggan segmen {segment}",
        "ms": ", daripada pelanggan segmen {segment}",
    },
    "basis.channel": {
        "en": ", through {channel}",
        "id": ", melalui {channel}",
        "ms": ", melalui {channel}",
    },
    "basis.channel_ignored": {
        "en": ", through every channel (this measure cannot be split by channel yet, so the "
        "channel filter {channel} is not applied)",
        "id": ", melalui semua saluran (ukuran ini belum dapat dipisah per saluran, jadi filter "
        "saluran {channel} tidak diterapkan)",
        "ms": ", melalui semua saluran (ukuran ini belum boleh dipecahkan mengikut saluran, jadi "
        "penapis saluran {channel} tidak digunakan)",
    },
    "basis.complaints": {"en": "complaints", "id": "keluhan", "ms": "aduan"},
    "basis.journeys": {
        "en": "customer journeys",
        "id": "perjalanan pelanggan",
        "ms": "perjalanan pelanggan",
    },
    "basis.contacts": {"en": "contacts", "id": "kontak", "ms": "interaksi"},
    "basis.dissatisfied": {
        "en": "dissatisfied cases",
        "id": "kasus tidak puas",
        "ms": "kes tidak berpuas hati",
    },
    # column headers shared by several tables
    "col.channel": {"en": "Channel", "id": "Saluran", "ms": "Saluran"},
    "col.month": {"en": "Month", "id": "Bulan", "ms": "Bulan"},
    "col.segment": {"en": "Segment", "id": "Segmen", "ms": "Segmen"},
    "col.region": {"en": "Region", "id": "Wilayah", "ms": "Wilayah"},
    "col.stage": {"en": "Stage", "id": "Tahap", "ms": "Peringkat"},
    "col.area": {"en": "Area", "id": "Bidang", "ms": "Bidang"},
    "col.action": {"en": "Action", "id": "Tindakan", "ms": "Tindakan"},
    "col.severity": {"en": "Severity", "id": "Tingkat keparahan", "ms": "Tahap keterukan"},
    # stage_funnel
    "funnel.title": {
        "en": "Where customers leave the service cycle",
        "id": "Di mana pelanggan meninggalkan siklus layanan",
        "ms": "Di mana pelanggan meninggalkan kitaran perkhidmatan",
    },
    "funnel.text": {
        "en": "Every customer journey is meant to pass through the same stages: the customer "
        "looks for information, gets in touch with us, receives the service, and is then asked "
        "how it went. This report counts how many journeys reach each stage and shows where "
        "customers drop out, so that effort can go where most journeys are lost.",
        "id": "Setiap perjalanan pelanggan seharusnya melewati tahap yang sama: pelanggan mencari "
        "informasi, menghubungi kami, menerima layanan, lalu ditanya bagaimana pengalamannya. "
        "Laporan ini menghitung berapa banyak perjalanan yang mencapai setiap tahap dan "
        "menunjukkan di mana pelanggan berhenti, agar upaya diarahkan ke tempat perjalanan "
        "paling banyak hilang.",
        "ms": "Setiap perjalanan pelanggan sepatutnya melalui peringkat yang sama: pelanggan "
        "mencari maklumat, menghubungi kami, menerima perkhidmatan, kemudian ditanya bagaimana "
        "pengalamannya. Laporan ini mengira berapa banyak perjalanan yang sampai ke setiap "
        "peringkat dan menunjukkan di mana pelanggan tercicir, supaya usaha ditumpukan di tempat "
        "paling banyak perjalanan hilang.",
    },
    "funnel.reach.heading": {
        "en": "How many journeys reach each stage",
        "id": "Berapa banyak perjalanan yang mencapai setiap tahap",
        "ms": "Berapa banyak perjalanan yang sampai ke setiap peringkat",
    },
    "funnel.reach.text": {
        "en": "Each bar is the number of journeys that reached the stage, after the stage before "
        "it. The percentage is the share of all journeys that started.",
        "id": "Setiap batang adalah jumlah perjalanan yang mencapai tahap itu, setelah tahap "
        "sebelumnya. Persentasenya adalah bagian dari semua perjalanan yang dimulai.",
        "ms": "Setiap bar ialah bilangan perjalanan yang sampai ke peringkat itu, selepas "
        "peringkat sebelumnya. Peratusannya ialah bahagian daripada semua perjalanan yang "
        "bermula.",
    },
    "funnel.by_channel.heading": {
        "en": "By channel",
        "id": "Per saluran",
        "ms": "Mengikut saluran",
    },
    "funnel.by_channel.text": {
        "en": "The same stages for each channel where journeys began, as a share of the journeys "
        "that started in that channel. A channel with few journeys can look better or worse "
        "than it really is.",
        "id": "Tahap yang sama untuk setiap saluran tempat perjalanan dimulai, sebagai bagian dari "
        "perjalanan yang dimulai di saluran itu. Saluran dengan sedikit perjalanan bisa tampak "
        "lebih baik atau lebih buruk dari kenyataannya.",
        "ms": "Peringkat yang sama bagi setiap saluran tempat perjalanan bermula, sebagai bahagian "
        "daripada perjalanan yang bermula dalam saluran itu. Saluran dengan sedikit perjalanan "
        "boleh kelihatan lebih baik atau lebih buruk daripada yang sebenarnya.",
    },
    "funnel.read.1": {
        "en": "A journey counts at a stage only if it got there after the stage before.",
        "id": "Sebuah perjalanan dihitung pada suatu tahap hanya jika sampai ke sana setelah tahap "
        "sebelumnya.",
        "ms": "Sesuatu perjalanan dikira pada sesuatu peringkat hanya jika ia sampai ke situ "
        "selepas peringkat sebelumnya.",
    },
    "funnel.read.2": {
        "en": "Share continuing is the part of the journeys at the stage before that also reached "
        "this stage; journeys lost are the ones that did not.",
        "id": "Bagian yang berlanjut adalah bagian perjalanan di tahap sebelumnya yang juga "
        "mencapai tahap ini; perjalanan yang hilang adalah yang tidak.",
        "ms": "Bahagian yang meneruskan ialah bahagian perjalanan di peringkat sebelumnya yang "
        "juga sampai ke peringkat ini; perjalanan yang hilang ialah yang tidak.",
    },
    "funnel.read.3": {
        "en": "Journeys still in progress at the end of the data may still reach later stages, so "
        "the last weeks of a period can look weaker than they will turn out.",
        "id": "Perjalanan yang masih berlangsung di akhir data mungkin masih mencapai tahap "
        "berikutnya, jadi minggu-minggu terakhir suatu periode bisa tampak lebih lemah dari "
        "hasil akhirnya.",
        "ms": "Perjalanan yang masih berjalan pada akhir data mungkin masih sampai ke peringkat "
        "seterusnya, jadi minggu-minggu terakhir sesuatu tempoh boleh kelihatan lebih lemah "
        "daripada keputusan akhirnya.",
    },
    "funnel.col.reached": {
        "en": "Journeys reaching it",
        "id": "Perjalanan yang mencapainya",
        "ms": "Perjalanan yang sampai",
    },
    "funnel.col.continuing": {
        "en": "Share continuing from the stage before",
        "id": "Bagian yang berlanjut dari tahap sebelumnya",
        "ms": "Bahagian yang meneruskan dari peringkat sebelumnya",
    },
    "funnel.col.lost": {
        "en": "Journeys lost before it",
        "id": "Perjalanan yang hilang sebelumnya",
        "ms": "Perjalanan yang hilang sebelumnya",
    },
    "funnel.say.empty": {
        "en": "No journeys entered the cycle in this selection, so there is nothing to compare.",
        "id": "Tidak ada perjalanan yang masuk ke siklus dalam pilihan ini, jadi tidak ada yang "
        "bisa dibandingkan.",
        "ms": "Tiada perjalanan yang memasuki kitaran dalam pilihan ini, jadi tiada apa yang "
        "boleh dibandingkan.",
    },
    "funnel.say.no_loss": {
        "en": "No journeys were lost between the stages in this selection.",
        "id": "Tidak ada perjalanan yang hilang di antara tahap dalam pilihan ini.",
        "ms": "Tiada perjalanan yang hilang antara peringkat dalam pilihan ini.",
    },
    "funnel.say.largest": {
        "en": "The largest drop is between {before} and {after}: {share} of journeys that "
        "reached {before} ({lost} of {reached}) did not reach {after}.",
        "id": "Penurunan terbesar terjadi antara {before} dan {after}: {share} perjalanan yang "
        "mencapai {before} ({lost} dari {reached}) tidak mencapai {after}.",
        "ms": "Penurunan terbesar berlaku antara {before} dan {after}: {share} perjalanan yang "
        "sampai ke {before} ({lost} daripada {reached}) tidak sampai ke {after}.",
    },
    "funnel.basis.all": {
        "en": "Based on {n} customer journeys, from all the data available",
        "id": "Berdasarkan {n} perjalanan pelanggan, dari semua data yang tersedia",
        "ms": "Berdasarkan {n} perjalanan pelanggan, daripada semua data yang tersedia",
    },
    "funnel.basis.period": {
        "en": "Based on {n} customer journeys that started from {period}",
        "id": "Berdasarkan {n} perjalanan pelanggan yang dimulai pada {period}",
        "ms": "Berdasarkan {n} perjalanan pelanggan yang bermula dalam tempoh {period}",
    },
    "funnel.basis.channel": {
        "en": " and entered through {channel}",
        "id": " dan masuk melalui {channel}",
        "ms": " dan masuk melalui {channel}",
    },
    "funnel.basis.left_out_all": {
        "en": "{n} other journeys in the data are not counted: they did not start with {first}",
        "id": "{n} perjalanan lain dalam data tidak dihitung: perjalanan itu tidak dimulai "
        "dengan {first}",
        "ms": "{n} perjalanan lain dalam data tidak dikira: perjalanan itu tidak bermula dengan "
        "{first}",
    },
    "funnel.basis.left_out_period": {
        "en": "{n} other journeys of the period are not counted: they did not start with {first}",
        "id": "{n} perjalanan lain pada periode ini tidak dihitung: perjalanan itu tidak dimulai "
        "dengan {first}",
        "ms": "{n} perjalanan lain dalam tempoh ini tidak dikira: perjalanan itu tidak bermula "
        "dengan {first}",
    },
    "funnel.basis.other_channel": {
        "en": " or came through another channel",
        "id": " atau datang melalui saluran lain",
        "ms": " atau datang melalui saluran lain",
    },
    # conformance
    "conf.title": {
        "en": "How real journeys compare with the cycle model",
        "id": "Perbandingan perjalanan nyata dengan model siklus",
        "ms": "Perbandingan perjalanan sebenar dengan model kitaran",
    },
    "conf.text": {
        "en": "The cycle model says which stages a customer journey passes through and in which "
        "order. This report, for researchers and process owners, checks the recorded journeys "
        "against it: how many events belong to a stage of the model, how many journeys follow "
        "it exactly, and where they deviate (skipping a stage, going back, repeating a stage).",
        "id": "Model siklus menyatakan tahap mana yang dilalui perjalanan pelanggan dan dalam "
        "urutan apa. Laporan ini, untuk peneliti dan pemilik proses, memeriksa perjalanan yang "
        "tercatat terhadap model itu: berapa banyak peristiwa yang termasuk dalam suatu tahap "
        "model, berapa banyak perjalanan yang mengikutinya dengan tepat, dan di mana perjalanan "
        "menyimpang (melewatkan tahap, kembali ke tahap sebelumnya, mengulang tahap).",
        "ms": "Model kitaran menyatakan peringkat mana yang dilalui perjalanan pelanggan dan "
        "dalam susunan apa. Laporan ini, untuk penyelidik dan pemilik proses, menyemak "
        "perjalanan yang direkodkan berbanding model itu: berapa banyak peristiwa yang tergolong "
        "dalam sesuatu peringkat model, berapa banyak perjalanan yang mengikutinya dengan tepat, "
        "dan di mana perjalanan menyimpang (melangkau peringkat, berundur, mengulang peringkat).",
    },
    "conf.coverage.heading": {
        "en": "Coverage, conformance and fitness",
        "id": "Cakupan, kesesuaian dan kecocokan",
        "ms": "Liputan, pematuhan dan kesesuaian",
    },
    "conf.coverage.text": {
        "en": "Each share comes with its 95% interval: the range the true share most likely lies "
        "in, given how many journeys there are. Transition fitness is the share of steps between "
        "stages that the model allows; token-replay fitness (0 to 1) measures how well the "
        "journeys can be replayed on the model, 1 meaning perfectly.",
        "id": "Setiap bagian disertai interval 95%: rentang tempat nilai sebenarnya paling mungkin "
        "berada, mengingat jumlah perjalanannya. Kecocokan transisi adalah bagian langkah antar "
        "tahap yang diizinkan model; kecocokan token-replay (0 sampai 1) mengukur seberapa baik "
        "perjalanan dapat diputar ulang pada model, 1 berarti sempurna.",
        "ms": "Setiap bahagian disertakan selang 95%: julat tempat nilai sebenar paling mungkin "
        "berada, memandangkan bilangan perjalanan yang ada. Kesesuaian peralihan ialah bahagian "
        "langkah antara peringkat yang dibenarkan oleh model; kesesuaian token-replay (0 hingga "
        "1) mengukur sejauh mana perjalanan boleh dimainkan semula pada model, 1 bermaksud "
        "sempurna.",
    },
    "conf.follows.heading": {
        "en": "Which stage follows which",
        "id": "Tahap mana mengikuti tahap mana",
        "ms": "Peringkat mana mengikuti peringkat mana",
    },
    "conf.follows.text": {
        "en": "Each cell counts how often one stage was directly followed by another in the same "
        "journey. Steps the model does not allow are the deviations.",
        "id": "Setiap sel menghitung seberapa sering satu tahap langsung diikuti tahap lain dalam "
        "perjalanan yang sama. Langkah yang tidak diizinkan model adalah penyimpangannya.",
        "ms": "Setiap sel mengira berapa kerap satu peringkat diikuti terus oleh peringkat lain "
        "dalam perjalanan yang sama. Langkah yang tidak dibenarkan oleh model ialah "
        "penyimpangannya.",
    },
    "conf.flows.heading": {
        "en": "Flows between stages",
        "id": "Aliran antar tahap",
        "ms": "Aliran antara peringkat",
    },
    "conf.flows.text": {
        "en": "The same steps as flows, with repeats of a stage merged. Red flows are steps the "
        "model does not allow.",
        "id": "Langkah yang sama sebagai aliran, dengan pengulangan tahap digabung. Aliran merah "
        "adalah langkah yang tidak diizinkan model.",
        "ms": "Langkah yang sama sebagai aliran, dengan ulangan peringkat digabungkan. Aliran "
        "merah ialah langkah yang tidak dibenarkan oleh model.",
    },
    "conf.paths.heading": {
        "en": "The commonest paths",
        "id": "Jalur yang paling umum",
        "ms": "Laluan yang paling biasa",
    },
    "conf.paths.text": {
        "en": "A path is the sequence of stages of a journey. The most frequent paths show what "
        "usually happens; fitness is how well each path fits the model (1 = perfectly).",
        "id": "Jalur adalah urutan tahap sebuah perjalanan. Jalur yang paling sering menunjukkan "
        "apa yang biasanya terjadi; kecocokan menunjukkan seberapa baik setiap jalur sesuai "
        "dengan model (1 = sempurna).",
        "ms": "Laluan ialah urutan peringkat sesuatu perjalanan. Laluan yang paling kerap "
        "menunjukkan apa yang biasanya berlaku; kesesuaian menunjukkan sejauh mana setiap "
        "laluan sepadan dengan model (1 = sempurna).",
    },
    "conf.rules.heading": {
        "en": "Rules of the cycle",
        "id": "Aturan siklus",
        "ms": "Peraturan kitaran",
    },
    "conf.rules.text": {
        "en": "Simple rules every journey should keep, and the share of journeys that keep them.",
        "id": "Aturan sederhana yang harus dipatuhi setiap perjalanan, dan bagian perjalanan "
        "yang mematuhinya.",
        "ms": "Peraturan mudah yang patut dipatuhi oleh setiap perjalanan, dan bahagian "
        "perjalanan yang mematuhinya.",
    },
    "conf.read.1": {
        "en": "Events that belong to no stage of the model are left out of the paths; low "
        "coverage means the model misses part of what happens.",
        "id": "Peristiwa yang tidak termasuk tahap mana pun dalam model tidak dimasukkan ke "
        "jalur; cakupan yang rendah berarti model melewatkan sebagian dari apa yang terjadi.",
        "ms": "Peristiwa yang tidak tergolong dalam mana-mana peringkat model tidak dimasukkan "
        "ke dalam laluan; liputan yang rendah bermaksud model terlepas sebahagian daripada apa "
        "yang berlaku.",
    },
    "conf.read.2": {
        "en": "Journeys still in progress at the end of the data may not have reached their last "
        "stage yet, so rules about how a journey ends look weaker for recent journeys.",
        "id": "Perjalanan yang masih berlangsung di akhir data mungkin belum mencapai tahap "
        "terakhirnya, jadi aturan tentang akhir perjalanan tampak lebih lemah untuk perjalanan "
        "terbaru.",
        "ms": "Perjalanan yang masih berjalan pada akhir data mungkin belum sampai ke peringkat "
        "terakhirnya, jadi peraturan tentang penghujung perjalanan kelihatan lebih lemah bagi "
        "perjalanan terkini.",
    },
    "conf.read.3": {
        "en": "These are descriptions of recorded behaviour, not of why customers behave so.",
        "id": "Ini adalah gambaran perilaku yang tercatat, bukan alasan pelanggan berperilaku "
        "demikian.",
        "ms": "Ini ialah gambaran tingkah laku yang direkodkan, bukan sebab pelanggan bertindak "
        "sedemikian.",
    },
    "conf.row.coverage": {
        "en": "Events that belong to a stage of the model",
        "id": "Peristiwa yang termasuk dalam suatu tahap model",
        "ms": "Peristiwa yang tergolong dalam sesuatu peringkat model",
    },
    "conf.row.conforming": {
        "en": "Journeys that follow the model exactly",
        "id": "Perjalanan yang mengikuti model dengan tepat",
        "ms": "Perjalanan yang mengikut model dengan tepat",
    },
    "conf.row.skipped": {
        "en": "Journeys that skip a stage",
        "id": "Perjalanan yang melewatkan suatu tahap",
        "ms": "Perjalanan yang melangkau sesuatu peringkat",
    },
    "conf.row.backward": {
        "en": "Journeys that go back to an earlier stage",
        "id": "Perjalanan yang kembali ke tahap sebelumnya",
        "ms": "Perjalanan yang kembali ke peringkat terdahulu",
    },
    "conf.row.repeats": {
        "en": "Journeys that repeat a stage",
        "id": "Perjalanan yang mengulang suatu tahap",
        "ms": "Perjalanan yang mengulang sesuatu peringkat",
    },
    "conf.row.recovery": {
        "en": "Recoveries without a dissatisfied answer before",
        "id": "Pemulihan tanpa jawaban tidak puas sebelumnya",
        "ms": "Pemulihan tanpa jawapan tidak berpuas hati sebelumnya",
    },
    "conf.row.transition_fitness": {
        "en": "Transition fitness (steps the model allows)",
        "id": "Kecocokan transisi (langkah yang diizinkan model)",
        "ms": "Kesesuaian peralihan (langkah yang dibenarkan oleh model)",
    },
    "conf.row.token_fitness": {
        "en": "Token-replay fitness",
        "id": "Kecocokan token-replay",
        "ms": "Kesesuaian token-replay",
    },
    "conf.col.measure": {"en": "Measure", "id": "Ukuran", "ms": "Ukuran"},
    "conf.col.value": {
        "en": "Value (95% interval)",
        "id": "Nilai (interval 95%)",
        "ms": "Nilai (selang 95%)",
    },
    "conf.col.count": {"en": "Count", "id": "Jumlah", "ms": "Bilangan"},
    "conf.col.path": {"en": "Path", "id": "Jalur", "ms": "Laluan"},
    "conf.col.journeys": {"en": "Journeys", "id": "Perjalanan", "ms": "Perjalanan"},
    "conf.col.share": {
        "en": "Share (95% interval)",
        "id": "Bagian (interval 95%)",
        "ms": "Bahagian (selang 95%)",
    },
    "conf.col.allowed": {
        "en": "Allowed by the model",
        "id": "Diizinkan model",
        "ms": "Dibenarkan oleh model",
    },
    "conf.col.fitness": {"en": "Fitness", "id": "Kecocokan", "ms": "Kesesuaian"},
    "conf.col.rule": {"en": "Rule", "id": "Aturan", "ms": "Peraturan"},
    "conf.col.passing": {
        "en": "Journeys passing",
        "id": "Perjalanan yang lolos",
        "ms": "Perjalanan yang lulus",
    },
    "conf.col.share_passing": {
        "en": "Share passing (95% interval)",
        "id": "Bagian yang lolos (interval 95%)",
        "ms": "Bahagian yang lulus (selang 95%)",
    },
    "conf.rule.starts_with": {
        "en": "The journey starts with {a}",
        "id": "Perjalanan dimulai dengan {a}",
        "ms": "Perjalanan bermula dengan {a}",
    },
    "conf.rule.ends_with": {
        "en": "The journey ends with {a}",
        "id": "Perjalanan diakhiri dengan {a}",
        "ms": "Perjalanan berakhir dengan {a}",
    },
    "conf.rule.precedence": {
        "en": "Every {b} is preceded by some {a}",
        "id": "Setiap {b} didahului oleh {a}",
        "ms": "Setiap {b} didahului oleh {a}",
    },
    "conf.rule.response": {
        "en": "Every {a} is eventually followed by {b}",
        "id": "Setiap {a} pada akhirnya diikuti oleh {b}",
        "ms": "Setiap {a} akhirnya diikuti oleh {b}",
    },
    "conf.rule.recovery_after_dissatisfaction": {
        "en": "Recovery only after dissatisfaction",
        "id": "Pemulihan hanya setelah ketidakpuasan",
        "ms": "Pemulihan hanya selepas rasa tidak berpuas hati",
    },
    "conf.say.empty": {
        "en": "No journeys in this selection, so there is nothing to compare with the model.",
        "id": "Tidak ada perjalanan dalam pilihan ini, jadi tidak ada yang bisa dibandingkan "
        "dengan model.",
        "ms": "Tiada perjalanan dalam pilihan ini, jadi tiada apa yang boleh dibandingkan dengan "
        "model.",
    },
    "conf.say.conforming": {
        "en": "{n} of {cases} journeys ({share}) follow the cycle model exactly.",
        "id": "{n} dari {cases} perjalanan ({share}) mengikuti model siklus dengan tepat.",
        "ms": "{n} daripada {cases} perjalanan ({share}) mengikut model kitaran dengan tepat.",
    },
    "conf.say.deviation": {
        "en": " The commonest deviation is {name} ({share} of journeys).",
        "id": " Penyimpangan yang paling umum adalah {name} ({share} perjalanan).",
        "ms": " Penyimpangan yang paling biasa ialah {name} ({share} perjalanan).",
    },
    "conf.say.skipped": {
        "en": "skipping a stage",
        "id": "melewatkan suatu tahap",
        "ms": "melangkau sesuatu peringkat",
    },
    "conf.say.backward": {
        "en": "going back to an earlier stage",
        "id": "kembali ke tahap sebelumnya",
        "ms": "kembali ke peringkat terdahulu",
    },
    "conf.say.repeats": {
        "en": "repeating a stage",
        "id": "mengulang suatu tahap",
        "ms": "mengulang sesuatu peringkat",
    },
    "conf.say.late_start": {
        "en": "not starting at the model's first stage",
        "id": "tidak dimulai pada tahap pertama model",
        "ms": "tidak bermula pada peringkat pertama model",
    },
    # satisfaction
    "sat.title": {
        "en": "Customer satisfaction",
        "id": "Kepuasan pelanggan",
        "ms": "Kepuasan pelanggan",
    },
    "sat.text": {
        "en": "How satisfied customers are with their contacts: the share of customers who rated "
        "a contact 4 or 5 out of 5 (CSAT), the Net Promoter Score (NPS: promoters minus "
        "detractors, from -100 to 100) and the Customer Effort Score (CES: how easy it was, 1 "
        "to 7). Every figure comes with its 95% interval and the number of answers behind it.",
        "id": "Seberapa puas pelanggan dengan kontak mereka: bagian pelanggan yang menilai kontak "
        "4 atau 5 dari 5 (CSAT), Net Promoter Score (NPS: promotor dikurangi detraktor, dari "
        "-100 sampai 100) dan Customer Effort Score (CES: seberapa mudah, 1 sampai 7). Setiap "
        "angka disertai interval 95% dan jumlah jawaban di baliknya.",
        "ms": "Sejauh mana pelanggan berpuas hati dengan interaksi mereka: bahagian pelanggan yang "
        "menilai sesuatu interaksi 4 atau 5 daripada 5 (CSAT), Net Promoter Score (NPS: promoter "
        "tolak pengkritik, dari -100 hingga 100) dan Customer Effort Score (CES: betapa mudahnya, "
        "1 hingga 7). Setiap angka disertakan selang 95% dan bilangan jawapan di sebaliknya.",
    },
    "sat.by_channel.heading": {"en": "By channel", "id": "Per saluran", "ms": "Mengikut saluran"},
    "sat.by_channel.text": {
        "en": "A channel with few answers has a wide interval: its score can look better or worse "
        "than it really is. Groups with fewer than 30 answers are marked.",
        "id": "Saluran dengan sedikit jawaban memiliki interval yang lebar: skornya bisa tampak "
        "lebih baik atau lebih buruk dari kenyataannya. Kelompok dengan kurang dari 30 jawaban "
        "diberi tanda.",
        "ms": "Saluran dengan sedikit jawapan mempunyai selang yang lebar: skornya boleh "
        "kelihatan lebih baik atau lebih buruk daripada yang sebenarnya. Kumpulan dengan kurang "
        "daripada 30 jawapan ditanda.",
    },
    "sat.by_month.heading": {"en": "By month", "id": "Per bulan", "ms": "Mengikut bulan"},
    "sat.change.heading": {
        "en": "Change from month to month",
        "id": "Perubahan dari bulan ke bulan",
        "ms": "Perubahan dari bulan ke bulan",
    },
    "sat.change.text": {
        "en": "Each month's CSAT against the month before. A change is marked ● significant only "
        "when both months have at least 30 answers and the change is larger than chance would "
        "explain (two-proportion test, p < 0.05).",
        "id": "CSAT setiap bulan dibandingkan dengan bulan sebelumnya. Perubahan diberi tanda "
        "● signifikan hanya jika kedua bulan memiliki minimal 30 jawaban dan perubahannya lebih "
        "besar daripada yang dapat dijelaskan oleh kebetulan (uji dua proporsi, p < 0,05).",
        "ms": "CSAT setiap bulan berbanding bulan sebelumnya. Perubahan ditanda ● signifikan "
        "hanya jika kedua-dua bulan mempunyai sekurang-kurangnya 30 jawapan dan perubahannya "
        "lebih besar daripada yang boleh dijelaskan oleh kebetulan (ujian dua perkadaran, "
        "p < 0.05).",
    },
    "sat.read.1": {
        "en": "Only customers who answered a survey are counted; the response rate says how many "
        "did. Customers who answer may differ from those who do not.",
        "id": "Hanya pelanggan yang menjawab survei yang dihitung; tingkat respons menunjukkan "
        "berapa banyak yang menjawab. Pelanggan yang menjawab bisa berbeda dari yang tidak.",
        "ms": "Hanya pelanggan yang menjawab tinjauan dikira; kadar respons menunjukkan berapa "
        "ramai yang menjawab. Pelanggan yang menjawab mungkin berbeza daripada yang tidak.",
    },
    "sat.read.2": {
        "en": "The interval is the range the true value most likely lies in; when two intervals "
        "overlap a lot, the difference may be chance.",
        "id": "Interval adalah rentang tempat nilai sebenarnya paling mungkin berada; jika dua "
        "interval banyak tumpang tindih, perbedaannya mungkin kebetulan.",
        "ms": "Selang ialah julat tempat nilai sebenar paling mungkin berada; jika dua selang "
        "banyak bertindih, perbezaannya mungkin kebetulan.",
    },
    "sat.empty": {
        "en": "No answers in this selection.",
        "id": "Tidak ada jawaban dalam pilihan ini.",
        "ms": "Tiada jawapan dalam pilihan ini.",
    },
    "sat.one_month": {
        "en": "The selection covers one month only, so there is no change to show.",
        "id": "Pilihan ini hanya mencakup satu bulan, jadi tidak ada perubahan yang bisa "
        "ditampilkan.",
        "ms": "Pilihan ini meliputi satu bulan sahaja, jadi tiada perubahan untuk ditunjukkan.",
    },
    "sat.col.responses": {"en": "Responses", "id": "Jawaban", "ms": "Jawapan"},
    "sat.col.response_rate": {
        "en": "Response rate",
        "id": "Tingkat respons",
        "ms": "Kadar respons",
    },
    "sat.col.csat": {
        "en": "CSAT, satisfied (4-5)",
        "id": "CSAT, puas (4-5)",
        "ms": "CSAT, berpuas hati (4-5)",
    },
    "sat.col.nps": {"en": "NPS", "id": "NPS", "ms": "NPS"},
    "sat.col.ces": {"en": "CES (1-7)", "id": "CES (1-7)", "ms": "CES (1-7)"},
    "sat.col.csat_answers": {
        "en": "CSAT (answers)",
        "id": "CSAT (jawaban)",
        "ms": "CSAT (jawapan)",
    },
    "sat.col.before": {
        "en": "Before (answers)",
        "id": "Sebelumnya (jawaban)",
        "ms": "Sebelumnya (jawapan)",
    },
    "sat.col.change": {
        "en": "Change, points (95% interval)",
        "id": "Perubahan, poin (interval 95%)",
        "ms": "Perubahan, mata (selang 95%)",
    },
    "sat.col.p_value": {"en": "p-value", "id": "nilai p", "ms": "nilai p"},
    "sat.col.marker": {"en": "Marker", "id": "Penanda", "ms": "Penanda"},
    "sat.say.none": {
        "en": "No customer rated a contact in this selection.",
        "id": "Tidak ada pelanggan yang menilai kontak dalam pilihan ini.",
        "ms": "Tiada pelanggan yang menilai interaksi dalam pilihan ini.",
    },
    "sat.say.csat": {
        "en": "{csat} of the {n} customers who rated their contact were satisfied (4 or 5 of 5; "
        "between {lo} and {hi} with 95% confidence).",
        "id": "{csat} dari {n} pelanggan yang menilai kontaknya merasa puas (4 atau 5 dari 5; "
        "antara {lo} dan {hi} dengan keyakinan 95%).",
        "ms": "{csat} daripada {n} pelanggan yang menilai interaksi mereka berpuas hati (4 atau 5 "
        "daripada 5; antara {lo} dan {hi} dengan keyakinan 95%).",
    },
    "sat.say.nps": {
        "en": " NPS was {nps}.",
        "id": " NPS sebesar {nps}.",
        "ms": " NPS ialah {nps}.",
    },
    "sat.say.responses": {
        "en": " Only {responses} of {contacts} contacts ({share}) got an answer.",
        "id": " Hanya {responses} dari {contacts} kontak ({share}) yang mendapat jawaban.",
        "ms": " Hanya {responses} daripada {contacts} interaksi ({share}) yang mendapat jawapan.",
    },
    "sat.say.one_period": {
        "en": "There is only one period in this selection, so there is no change to show.",
        "id": "Hanya ada satu periode dalam pilihan ini, jadi tidak ada perubahan yang bisa "
        "ditampilkan.",
        "ms": "Hanya ada satu tempoh dalam pilihan ini, jadi tiada perubahan untuk ditunjukkan.",
    },
    "sat.say.change": {
        "en": "In {period}, {value} were satisfied, {direction} {points} points from {before} the "
        "period before; ",
        "id": "Pada {period}, {value} merasa puas, {direction} {points} poin dari {before} pada "
        "periode sebelumnya; ",
        "ms": "Dalam {period}, {value} berpuas hati, {direction} {points} mata daripada {before} "
        "dalam tempoh sebelumnya; ",
    },
    "sat.say.significant": {
        "en": "this change is larger than chance would explain.",
        "id": "perubahan ini lebih besar daripada yang dapat dijelaskan oleh kebetulan.",
        "ms": "perubahan ini lebih besar daripada yang boleh dijelaskan oleh kebetulan.",
    },
    "sat.say.few": {
        "en": "there are too few answers to tell whether it is real.",
        "id": "jawaban terlalu sedikit untuk menilai apakah perubahan ini nyata.",
        "ms": "jawapan terlalu sedikit untuk menilai sama ada perubahan ini benar.",
    },
    "sat.say.chance": {
        "en": "this change could be chance.",
        "id": "perubahan ini bisa jadi kebetulan.",
        "ms": "perubahan ini mungkin kebetulan.",
    },
    # complaints
    "compl.title": {"en": "Complaints", "id": "Keluhan", "ms": "Aduan"},
    "compl.text": {
        "en": "Where complaints come from, how quickly they are answered and resolved, and how "
        "often they come back. Complaints are counted by area; the complaint texts themselves "
        "are never shown in this report.",
        "id": "Dari mana keluhan berasal, seberapa cepat keluhan ditanggapi dan diselesaikan, dan "
        "seberapa sering keluhan muncul kembali. Keluhan dihitung per bidang; isi keluhan itu "
        "sendiri tidak pernah ditampilkan dalam laporan ini.",
        "ms": "Dari mana aduan datang, berapa cepat aduan dijawab dan diselesaikan, dan berapa "
        "kerap aduan berulang. Aduan dikira mengikut bidang; teks aduan itu sendiri tidak "
        "pernah ditunjukkan dalam laporan ini.",
    },
    "compl.by_area.heading": {"en": "By area", "id": "Per bidang", "ms": "Mengikut bidang"},
    "compl.by_area.text": {
        "en": "Areas sorted from the most complaints to the fewest, with the cumulative share: the "
        "few areas at the top usually make up most of the complaints. Per 1,000 cases relates the "
        "complaints to the number of customer journeys; reopened and complained again show "
        "complaints that were not settled the first time.",
        "id": "Bidang diurutkan dari keluhan terbanyak ke paling sedikit, dengan bagian "
        "kumulatif: beberapa bidang teratas biasanya mencakup sebagian besar keluhan. Per 1.000 "
        "kasus menghubungkan keluhan dengan jumlah perjalanan pelanggan; dibuka kembali dan "
        "mengeluh lagi menunjukkan keluhan yang tidak tuntas pada kali pertama.",
        "ms": "Bidang disusun daripada aduan terbanyak hingga paling sedikit, dengan bahagian "
        "kumulatif: beberapa bidang teratas biasanya merangkumi kebanyakan aduan. Bagi setiap "
        "1,000 kes mengaitkan aduan dengan bilangan perjalanan pelanggan; dibuka semula dan "
        "mengadu lagi menunjukkan aduan yang tidak selesai pada kali pertama.",
    },
    "compl.backlog.heading": {
        "en": "Open complaints over time",
        "id": "Keluhan terbuka dari waktu ke waktu",
        "ms": "Aduan terbuka dari semasa ke semasa",
    },
    "compl.backlog.text": {
        "en": "The number of complaints still open at the end of each month.",
        "id": "Jumlah keluhan yang masih terbuka pada akhir setiap bulan.",
        "ms": "Bilangan aduan yang masih terbuka pada akhir setiap bulan.",
    },
    "compl.resolution.heading": {
        "en": "Time to resolve",
        "id": "Waktu penyelesaian",
        "ms": "Masa penyelesaian",
    },
    "compl.resolution.text": {
        "en": "The share of complaints still open after a given number of hours. Complaints that "
        "are still open are counted as open up to the end of the data (Kaplan-Meier), so the "
        "curve is not flattered by leaving them out.",
        "id": "Bagian keluhan yang masih terbuka setelah sejumlah jam tertentu. Keluhan yang masih "
        "terbuka dihitung terbuka sampai akhir data (Kaplan-Meier), sehingga kurva tidak tampak "
        "lebih baik karena mengabaikannya.",
        "ms": "Bahagian aduan yang masih terbuka selepas sejumlah jam tertentu. Aduan yang masih "
        "terbuka dikira terbuka sehingga akhir data (Kaplan-Meier), supaya lengkung tidak "
        "kelihatan lebih baik kerana mengetepikannya.",
    },
    "compl.read.1": {
        "en": "Areas with few complaints have wide intervals; a high reopen rate on five "
        "complaints says little.",
        "id": "Bidang dengan sedikit keluhan memiliki interval yang lebar; tingkat pembukaan "
        "kembali yang tinggi dari lima keluhan tidak banyak berarti.",
        "ms": "Bidang dengan sedikit aduan mempunyai selang yang lebar; kadar pembukaan semula "
        "yang tinggi daripada lima aduan tidak banyak bermakna.",
    },
    "compl.read.2": {
        "en": "Complained again counts customers who complained again within 90 days, among those "
        "whose 90 days had passed by the end of the data.",
        "id": "Mengeluh lagi menghitung pelanggan yang mengeluh lagi dalam 90 hari, di antara "
        "mereka yang 90 harinya sudah lewat pada akhir data.",
        "ms": "Mengadu lagi mengira pelanggan yang mengadu lagi dalam tempoh 90 hari, antara "
        "mereka yang tempoh 90 harinya telah berlalu pada akhir data.",
    },
    "compl.empty": {
        "en": "No complaints in this selection.",
        "id": "Tidak ada keluhan dalam pilihan ini.",
        "ms": "Tiada aduan dalam pilihan ini.",
    },
    "compl.col.complaints": {"en": "Complaints", "id": "Keluhan", "ms": "Aduan"},
    "compl.col.per_1000": {
        "en": "Per 1,000 cases",
        "id": "Per 1.000 kasus",
        "ms": "Bagi setiap 1,000 kes",
    },
    "compl.col.cumulative": {
        "en": "Cumulative share",
        "id": "Bagian kumulatif",
        "ms": "Bahagian kumulatif",
    },
    "compl.col.first_response": {
        "en": "First response, median hours",
        "id": "Tanggapan pertama, median jam",
        "ms": "Respons pertama, median jam",
    },
    "compl.col.reopened": {
        "en": "Reopened (95% interval)",
        "id": "Dibuka kembali (interval 95%)",
        "ms": "Dibuka semula (selang 95%)",
    },
    "compl.col.again": {
        "en": "Complained again (95% interval)",
        "id": "Mengeluh lagi (interval 95%)",
        "ms": "Mengadu lagi (selang 95%)",
    },
    "compl.say.none": {
        "en": "No complaints were opened in this selection.",
        "id": "Tidak ada keluhan yang dibuka dalam pilihan ini.",
        "ms": "Tiada aduan dibuka dalam pilihan ini.",
    },
    "compl.say.pareto": {
        "en": "{k} of {n} {groups} ({names}) account for {share} of the {total} complaints.",
        "id": "{k} dari {n} {groups} ({names}) mencakup {share} dari {total} keluhan.",
        "ms": "{k} daripada {n} {groups} ({names}) merangkumi {share} daripada {total} aduan.",
    },
    "compl.say.areas": {"en": "areas", "id": "bidang", "ms": "bidang"},
    "compl.say.groups": {
        "en": "{by} groups",
        "id": "kelompok {by}",
        "ms": "kumpulan {by}",
    },
    "compl.say.unresolved": {
        "en": "Fewer than half of the {n} complaints have been resolved so far.",
        "id": "Kurang dari separuh dari {n} keluhan yang sudah diselesaikan sejauh ini.",
        "ms": "Kurang daripada separuh daripada {n} aduan telah diselesaikan setakat ini.",
    },
    "compl.say.half": {
        "en": "Half of the {n} complaints were resolved within {hours} hours ({days} days",
        "id": "Separuh dari {n} keluhan diselesaikan dalam {hours} jam ({days} hari",
        "ms": "Separuh daripada {n} aduan diselesaikan dalam tempoh {hours} jam ({days} hari",
    },
    "compl.say.interval": {
        "en": "; between {lo} and {hi} hours with 95% confidence",
        "id": "; antara {lo} dan {hi} jam dengan keyakinan 95%",
        "ms": "; antara {lo} dan {hi} jam dengan keyakinan 95%",
    },
    "compl.say.open": {
        "en": " {n} complaints are still open; they count as unresolved up to the end of the data.",
        "id": " {n} keluhan masih terbuka; keluhan itu dihitung belum selesai sampai akhir data.",
        "ms": " {n} aduan masih terbuka; aduan itu dikira belum selesai sehingga akhir data.",
    },
    # complaints: recorded and predicted areas (cycleanalytics.classify)
    "compl.predicted.heading": {
        "en": "Recorded and predicted areas",
        "id": "Bidang tercatat dan bidang prediksi",
        "ms": "Bidang direkodkan dan bidang ramalan",
    },
    "compl.predicted.text": {
        "en": "The sections above count complaints by their recorded area. For complaints "
        "recorded without an area, a model can predict one from the complaint text; those "
        "predicted areas are shown here only, marked as predicted. Where the model is not sure "
        "enough, it abstains and the complaint stays unclassified.",
        "id": "Bagian di atas menghitung keluhan menurut bidang yang tercatat. Untuk keluhan yang "
        "dicatat tanpa bidang, sebuah model dapat memprediksi bidangnya dari isi keluhan; bidang "
        "hasil prediksi itu hanya ditampilkan di sini, ditandai sebagai prediksi. Jika model "
        "kurang yakin, model tidak memberi jawaban dan keluhan tetap tidak terklasifikasi.",
        "ms": "Bahagian di atas mengira aduan mengikut bidang yang direkodkan. Bagi aduan yang "
        "direkodkan tanpa bidang, satu model boleh meramalkan bidangnya daripada teks aduan; "
        "bidang ramalan itu hanya ditunjukkan di sini, ditandakan sebagai ramalan. Jika model "
        "kurang pasti, model tidak memberi jawapan dan aduan itu kekal tidak dikelaskan.",
    },
    "compl.predicted.all_recorded": {
        "en": "All {n} complaints in this selection have a recorded area; none needs a "
        "predicted one.",
        "id": "Semua {n} keluhan dalam pilihan ini memiliki bidang yang tercatat; tidak ada yang "
        "perlu diprediksi.",
        "ms": "Kesemua {n} aduan dalam pilihan ini mempunyai bidang yang direkodkan; tiada yang "
        "perlu diramalkan.",
    },
    "compl.predicted.none": {
        "en": "{n} of the {total} complaints have no recorded area and no predicted one yet. "
        "To predict their areas from the complaint texts, run: {command}",
        "id": "{n} dari {total} keluhan tidak memiliki bidang yang tercatat dan belum ada "
        "prediksinya. Untuk memprediksi bidangnya dari isi keluhan, jalankan: {command}",
        "ms": "{n} daripada {total} aduan tiada bidang yang direkodkan dan belum diramalkan. "
        "Untuk meramalkan bidangnya daripada teks aduan, jalankan: {command}",
    },
    "compl.predicted.say": {
        "en": "Of the {total} complaints, {recorded} have a recorded area, {predicted} a "
        "predicted area and {unclassified} are unclassified (the model was not sure enough).",
        "id": "Dari {total} keluhan, {recorded} memiliki bidang yang tercatat, {predicted} "
        "bidang hasil prediksi, dan {unclassified} tidak terklasifikasi (model kurang yakin).",
        "ms": "Daripada {total} aduan, {recorded} mempunyai bidang yang direkodkan, {predicted} "
        "bidang ramalan, dan {unclassified} tidak dikelaskan (model kurang pasti).",
    },
    "compl.predicted.rest": {
        "en": " {n} have neither: no text, or recorded after the last classification.",
        "id": " {n} tidak memiliki keduanya: tanpa teks, atau dicatat setelah klasifikasi "
        "terakhir.",
        "ms": " {n} tidak mempunyai kedua-duanya: tiada teks, atau direkodkan selepas "
        "pengelasan terakhir.",
    },
    "compl.predicted.model": {
        "en": "Predicted by the model {models}; how often such predictions are right is "
        "measured in the documentation (docs/classify.md).",
        "id": "Diprediksi oleh model {models}; seberapa sering prediksi seperti ini benar diukur "
        "dalam dokumentasi (docs/classify.md).",
        "ms": "Diramalkan oleh model {models}; kekerapan ramalan sebegini betul diukur dalam "
        "dokumentasi (docs/classify.md).",
    },
    "compl.col.recorded": {"en": "Recorded", "id": "Tercatat", "ms": "Direkodkan"},
    "compl.col.predicted": {
        "en": "Predicted (model)",
        "id": "Prediksi (model)",
        "ms": "Ramalan (model)",
    },
    "compl.col.all": {"en": "All", "id": "Semua", "ms": "Semua"},
    # recovery
    "rec.title": {
        "en": "Service recovery",
        "id": "Pemulihan layanan",
        "ms": "Pemulihan perkhidmatan",
    },
    "rec.text": {
        "en": "When a customer is dissatisfied, a recovery step (an apology, a refund, a "
        "replacement...) can win them back. This report shows how often dissatisfied customers "
        "got such a step, how often it worked, and whether they stayed, by action and by area. "
        "It ends with the service recovery paradox: are customers whose problem was put right "
        "happier than customers who never had a problem?",
        "id": "Ketika pelanggan tidak puas, langkah pemulihan (permintaan maaf, pengembalian dana, "
        "penggantian...) dapat memenangkan mereka kembali. Laporan ini menunjukkan seberapa "
        "sering pelanggan yang tidak puas mendapat langkah tersebut, seberapa sering berhasil, "
        "dan apakah mereka bertahan, per tindakan dan per bidang. Laporan diakhiri dengan "
        "paradoks pemulihan layanan: apakah pelanggan yang masalahnya sudah diperbaiki lebih "
        "puas daripada pelanggan yang tidak pernah mengalami masalah?",
        "ms": "Apabila pelanggan tidak berpuas hati, langkah pemulihan (permohonan maaf, bayaran "
        "balik, penggantian...) boleh memenangi mereka semula. Laporan ini menunjukkan berapa "
        "kerap pelanggan yang tidak berpuas hati mendapat langkah sedemikian, berapa kerap ia "
        "berjaya, dan sama ada mereka kekal, mengikut tindakan dan mengikut bidang. Laporan "
        "berakhir dengan paradoks pemulihan perkhidmatan: adakah pelanggan yang masalahnya telah "
        "dibetulkan lebih gembira daripada pelanggan yang tidak pernah menghadapi masalah?",
    },
    "rec.by_action.heading": {
        "en": "By recovery action",
        "id": "Per tindakan pemulihan",
        "ms": "Mengikut tindakan pemulihan",
    },
    "rec.by_action.text": {
        "en": "Recovered: share of dissatisfied cases that got a recovery step. Recovery "
        "succeeded: share of judged recoveries after which the customer was satisfied or the "
        "complaint was settled. Customer stayed: share of recovered customers who came back "
        "within 90 days, among those whose 90 days had passed.",
        "id": "Dipulihkan: bagian kasus tidak puas yang mendapat langkah pemulihan. Pemulihan "
        "berhasil: bagian pemulihan yang dinilai, setelah itu pelanggan puas atau keluhannya "
        "tuntas. Pelanggan bertahan: bagian pelanggan yang dipulihkan yang kembali dalam 90 "
        "hari, di antara mereka yang 90 harinya sudah lewat.",
        "ms": "Dipulihkan: bahagian kes tidak berpuas hati yang mendapat langkah pemulihan. "
        "Pemulihan berjaya: bahagian pemulihan yang dinilai, selepas itu pelanggan berpuas hati "
        "atau aduannya selesai. Pelanggan kekal: bahagian pelanggan yang dipulihkan yang kembali "
        "dalam tempoh 90 hari, antara mereka yang tempoh 90 harinya telah berlalu.",
    },
    "rec.by_area.heading": {"en": "By area", "id": "Per bidang", "ms": "Mengikut bidang"},
    "rec.paradox.heading": {
        "en": "The service recovery paradox",
        "id": "Paradoks pemulihan layanan",
        "ms": "Paradoks pemulihan perkhidmatan",
    },
    "rec.paradox.text": {
        "en": "Customers whose failure was recovered are compared with customers without a "
        "failure: how satisfied they were with their next case, and whether they came back. The "
        "verdict below states what the data shows and how many customers it rests on; it never "
        "claims a paradox on small or unclear evidence.",
        "id": "Pelanggan yang kegagalannya dipulihkan dibandingkan dengan pelanggan tanpa "
        "kegagalan: seberapa puas mereka dengan kasus berikutnya, dan apakah mereka kembali. "
        "Kesimpulan di bawah menyatakan apa yang ditunjukkan data dan pada berapa banyak "
        "pelanggan kesimpulan itu bertumpu; kesimpulan ini tidak pernah mengklaim paradoks atas "
        "bukti yang sedikit atau tidak jelas.",
        "ms": "Pelanggan yang kegagalannya dipulihkan dibandingkan dengan pelanggan tanpa "
        "kegagalan: sejauh mana mereka berpuas hati dengan kes seterusnya, dan sama ada mereka "
        "kembali. Kesimpulan di bawah menyatakan apa yang ditunjukkan oleh data dan berapa ramai "
        "pelanggan yang menjadi asasnya; ia tidak pernah mendakwa wujudnya paradoks berdasarkan "
        "bukti yang sedikit atau tidak jelas.",
    },
    "rec.read.1": {
        "en": "This is an observational comparison: customers who got a refund may differ from "
        "those who got an apology in more ways than the action.",
        "id": "Ini adalah perbandingan observasional: pelanggan yang mendapat pengembalian dana "
        "bisa berbeda dari yang mendapat permintaan maaf dalam lebih banyak hal daripada "
        "tindakannya.",
        "ms": "Ini ialah perbandingan pemerhatian: pelanggan yang mendapat bayaran balik mungkin "
        "berbeza daripada yang mendapat permohonan maaf dalam lebih banyak perkara daripada "
        "tindakan itu.",
    },
    "rec.read.2": {
        "en": "Groups with few cases have wide intervals.",
        "id": "Kelompok dengan sedikit kasus memiliki interval yang lebar.",
        "ms": "Kumpulan dengan sedikit kes mempunyai selang yang lebar.",
    },
    "rec.no_step": {
        "en": "no recovery step",
        "id": "tanpa langkah pemulihan",
        "ms": "tiada langkah pemulihan",
    },
    "rec.col.dissatisfied": {
        "en": "Dissatisfied cases",
        "id": "Kasus tidak puas",
        "ms": "Kes tidak berpuas hati",
    },
    "rec.col.recovered": {"en": "Recovered", "id": "Dipulihkan", "ms": "Dipulihkan"},
    "rec.col.succeeded": {
        "en": "Recovery succeeded",
        "id": "Pemulihan berhasil",
        "ms": "Pemulihan berjaya",
    },
    "rec.col.stayed": {
        "en": "Customer stayed",
        "id": "Pelanggan bertahan",
        "ms": "Pelanggan kekal",
    },
    "rec.col.group": {"en": "Group", "id": "Kelompok", "ms": "Kumpulan"},
    "rec.col.cases": {"en": "Cases", "id": "Kasus", "ms": "Kes"},
    "rec.col.next_satisfied": {
        "en": "Satisfied with the next case",
        "id": "Puas dengan kasus berikutnya",
        "ms": "Berpuas hati dengan kes seterusnya",
    },
    "rec.col.came_back": {"en": "Came back", "id": "Kembali", "ms": "Kembali"},
    "rec.group.no_failure": {
        "en": "No failure",
        "id": "Tanpa kegagalan",
        "ms": "Tiada kegagalan",
    },
    "rec.group.recovered": {
        "en": "Failure, recovered",
        "id": "Gagal, dipulihkan",
        "ms": "Gagal, dipulihkan",
    },
    "rec.group.failed_recovery": {
        "en": "Failure, recovery failed",
        "id": "Gagal, pemulihan gagal",
        "ms": "Gagal, pemulihan gagal",
    },
    "rec.group.not_recovered": {
        "en": "Failure, no recovery step",
        "id": "Gagal, tanpa langkah pemulihan",
        "ms": "Gagal, tiada langkah pemulihan",
    },
    "rec.group.recovery_not_judged": {
        "en": "Failure, recovery not judged yet",
        "id": "Gagal, pemulihan belum dinilai",
        "ms": "Gagal, pemulihan belum dinilai",
    },
    "rec.say.none": {
        "en": "No case was dissatisfied in this selection, so there was nothing to recover.",
        "id": "Tidak ada kasus yang tidak puas dalam pilihan ini, jadi tidak ada yang perlu "
        "dipulihkan.",
        "ms": "Tiada kes tidak berpuas hati dalam pilihan ini, jadi tiada apa yang perlu "
        "dipulihkan.",
    },
    "rec.say.recovered": {
        "en": "Of {n} dissatisfied cases, {k} ({share}) got a recovery step",
        "id": "Dari {n} kasus tidak puas, {k} ({share}) mendapat langkah pemulihan",
        "ms": "Daripada {n} kes tidak berpuas hati, {k} ({share}) mendapat langkah pemulihan",
    },
    "rec.say.succeeded": {
        "en": "; {k} of the {n} recoveries that could be judged ({share}) succeeded.",
        "id": "; {k} dari {n} pemulihan yang dapat dinilai ({share}) berhasil.",
        "ms": "; {k} daripada {n} pemulihan yang boleh dinilai ({share}) berjaya.",
    },
    "rec.say.not_judged": {
        "en": "; none could be judged yet.",
        "id": "; belum ada yang dapat dinilai.",
        "ms": "; belum ada yang boleh dinilai.",
    },
    "rec.verdict.nothing": {
        "en": "No recovered customers to compare.",
        "id": "Tidak ada pelanggan yang dipulihkan untuk dibandingkan.",
        "ms": "Tiada pelanggan yang dipulihkan untuk dibandingkan.",
    },
    "rec.verdict.sizes": {
        "en": "n = {n1} recovered and {n0} without a failure with a later rating",
        "id": "n = {n1} dipulihkan dan {n0} tanpa kegagalan dengan penilaian berikutnya",
        "ms": "n = {n1} dipulihkan dan {n0} tanpa kegagalan dengan penilaian seterusnya",
    },
    "rec.verdict.too_few": {
        "en": "Too few later ratings to judge the recovery paradox ({sizes}; at least {min_n} in "
        "each group are needed).",
        "id": "Penilaian berikutnya terlalu sedikit untuk menilai paradoks pemulihan ({sizes}; "
        "dibutuhkan minimal {min_n} di setiap kelompok).",
        "ms": "Penilaian seterusnya terlalu sedikit untuk menilai paradoks pemulihan ({sizes}; "
        "sekurang-kurangnya {min_n} dalam setiap kumpulan diperlukan).",
    },
    "rec.verdict.effect": {
        "en": "probability that a recovered customer rates higher: {effect} ({lo}–{hi}; 0.50 = "
        "no difference), p = {p}",
        "id": "peluang pelanggan yang dipulihkan memberi nilai lebih tinggi: {effect} "
        "({lo}–{hi}; 0,50 = tidak ada perbedaan), p = {p}",
        "ms": "kebarangkalian pelanggan yang dipulihkan memberi penilaian lebih tinggi: {effect} "
        "({lo}–{hi}; 0.50 = tiada perbezaan), p = {p}",
    },
    "rec.verdict.retention": {
        "en": "retention difference {effect} ({lo} to {hi}, n = {n1} and {n0}), p = {p}",
        "id": "selisih retensi {effect} ({lo} s.d. {hi}, n = {n1} dan {n0}), p = {p}",
        "ms": "perbezaan pengekalan {effect} ({lo} hingga {hi}, n = {n1} dan {n0}), p = {p}",
    },
    "rec.verdict.paradox": {
        "en": "Recovered customers rated their next case higher than customers without a "
        "failure: consistent with a service recovery paradox in this data. It is an "
        "observational comparison, not proof that the recovery caused it.",
        "id": "Pelanggan yang dipulihkan menilai kasus berikutnya lebih tinggi daripada pelanggan "
        "tanpa kegagalan: sesuai dengan paradoks pemulihan layanan dalam data ini. Ini adalah "
        "perbandingan observasional, bukan bukti bahwa pemulihan yang menyebabkannya.",
        "ms": "Pelanggan yang dipulihkan menilai kes seterusnya lebih tinggi daripada pelanggan "
        "tanpa kegagalan: selaras dengan paradoks pemulihan perkhidmatan dalam data ini. Ini "
        "ialah perbandingan pemerhatian, bukan bukti bahawa pemulihan yang menyebabkannya.",
    },
    "rec.verdict.lower": {
        "en": "Recovered customers rated their next case lower than customers without a "
        "failure: no service recovery paradox here.",
        "id": "Pelanggan yang dipulihkan menilai kasus berikutnya lebih rendah daripada pelanggan "
        "tanpa kegagalan: tidak ada paradoks pemulihan layanan di sini.",
        "ms": "Pelanggan yang dipulihkan menilai kes seterusnya lebih rendah daripada pelanggan "
        "tanpa kegagalan: tiada paradoks pemulihan perkhidmatan di sini.",
    },
    "rec.verdict.unclear": {
        "en": "No clear difference in later satisfaction between recovered customers and "
        "customers without a failure: this data neither shows nor rules out a paradox.",
        "id": "Tidak ada perbedaan yang jelas dalam kepuasan berikutnya antara pelanggan yang "
        "dipulihkan dan pelanggan tanpa kegagalan: data ini tidak menunjukkan maupun menyingkirkan "
        "adanya paradoks.",
        "ms": "Tiada perbezaan yang jelas dalam kepuasan seterusnya antara pelanggan yang "
        "dipulihkan dan pelanggan tanpa kegagalan: data ini tidak menunjukkan dan tidak juga "
        "menolak kewujudan paradoks.",
    },
    "rec.verdict.full": {
        "en": "{head} ({sizes}; {effect}; {retention}.)",
        "id": "{head} ({sizes}; {effect}; {retention}.)",
        "ms": "{head} ({sizes}; {effect}; {retention}.)",
    },
    # explore (analysts; English only)
    "explore.title": {
        "en": "Exploring the service cycle",
        "id": "Menjelajahi siklus layanan",
        "ms": "Meneroka kitaran perkhidmatan",
    },
}

#: Chart labels (axis titles, legend entries, category names) the metrics' figures write in
#: English, with their Indonesian and Malay; :func:`cycleanalytics.notebook.localize_figure`
#: swaps them in a figure. Keys are the exact English text of the figure.
CHART_TEXTS: dict[str, dict[str, str]] = {
    # funnel
    "all journeys": {"id": "semua perjalanan", "ms": "semua perjalanan"},
    "journeys reaching the stage": {
        "id": "perjalanan yang mencapai tahap",
        "ms": "perjalanan yang sampai ke peringkat",
    },
    "share of entering journeys that reached the stage": {
        "id": "bagian perjalanan masuk yang mencapai tahap",
        "ms": "bahagian perjalanan masuk yang sampai ke peringkat",
    },
    "channel": {"id": "saluran", "ms": "saluran"},
    "month": {"id": "bulan", "ms": "bulan"},
    "segment": {"id": "segmen", "ms": "segmen"},
    "category": {"id": "bidang", "ms": "bidang"},
    "all": {"id": "semua", "ms": "semua"},
    "not recorded": {"id": "tidak tercatat", "ms": "tidak direkodkan"},
    "no recovery step": {"id": "tanpa langkah pemulihan", "ms": "tiada langkah pemulihan"},
    "no action recorded": {"id": "tidak ada tindakan tercatat", "ms": "tiada tindakan direkodkan"},
    # conformance
    "conforming": {"id": "sesuai model", "ms": "mematuhi model"},
    "follows the model": {"id": "sesuai model", "ms": "mengikut model"},
    "deviates": {"id": "menyimpang", "ms": "menyimpang"},
    "(none)": {"id": "(tidak ada)", "ms": "(tiada)"},
    "skipped a stage": {"id": "melewatkan tahap", "ms": "melangkau peringkat"},
    "moved backward": {"id": "mundur", "ms": "berundur"},
    "repeated a stage": {"id": "mengulang tahap", "ms": "mengulang peringkat"},
    "share of journeys": {"id": "bagian perjalanan", "ms": "bahagian perjalanan"},
    "share of journeys passing": {
        "id": "bagian perjalanan yang lolos",
        "ms": "bahagian perjalanan yang lulus",
    },
    "moves": {"id": "perpindahan", "ms": "perpindahan"},
    "from": {"id": "dari", "ms": "dari"},
    "to": {"id": "ke", "ms": "ke"},
    # satisfaction
    "CSAT (top-box share, 95% interval)": {
        "id": "CSAT (bagian nilai 4-5, interval 95%)",
        "ms": "CSAT (bahagian nilai 4-5, selang 95%)",
    },
    "change from the previous period": {
        "id": "perubahan dari periode sebelumnya",
        "ms": "perubahan daripada tempoh sebelumnya",
    },
    # complaints
    "complaints": {"id": "keluhan", "ms": "aduan"},
    "cumulative share": {"id": "bagian kumulatif", "ms": "bahagian kumulatif"},
    "open complaints": {"id": "keluhan terbuka", "ms": "aduan terbuka"},
    "open complaints at the period end": {
        "id": "keluhan terbuka di akhir periode",
        "ms": "aduan terbuka pada akhir tempoh",
    },
    "days since the complaint was opened": {
        "id": "hari sejak keluhan dibuka",
        "ms": "hari sejak aduan dibuka",
    },
    "share still open": {"id": "bagian yang masih terbuka", "ms": "bahagian yang masih terbuka"},
    # recovery
    "got a recovery step": {
        "id": "mendapat langkah pemulihan",
        "ms": "mendapat langkah pemulihan",
    },
    "recovered successfully": {"id": "berhasil dipulihkan", "ms": "berjaya dipulihkan"},
    "came back within the horizon": {
        "id": "kembali dalam jangka waktu",
        "ms": "kembali dalam tempoh masa",
    },
    "next case rated top box": {
        "id": "kasus berikutnya dinilai 4-5",
        "ms": "kes seterusnya dinilai 4-5",
    },
    "came back": {"id": "kembali", "ms": "kembali"},
    "no failure": {"id": "tanpa kegagalan", "ms": "tiada kegagalan"},
    "recovered": {"id": "dipulihkan", "ms": "dipulihkan"},
    "failed recovery": {"id": "pemulihan gagal", "ms": "pemulihan gagal"},
    "not recovered": {"id": "tidak dipulihkan", "ms": "tidak dipulihkan"},
    "recovery not judged": {"id": "pemulihan belum dinilai", "ms": "pemulihan belum dinilai"},
}

#: Hover text of the metrics' figures (plotly ``hovertemplate``), keyed by the exact English
#: template; :func:`hover_text` looks them up. Numbers are formatted by plotly, with the
#: figure's separators (Indonesian figures get ``,`` for decimals).
HOVER_TEXTS: dict[str, dict[str, str]] = {
    "<b>%{y}</b><br>%{customdata[0]:,} journeys (%{customdata[1]:.1%} of entries)<br>"
    "%{customdata[2]:.1%} of the previous stage continued (95% interval "
    "%{customdata[3]:.1%} to %{customdata[4]:.1%})<extra>%{fullData.name}</extra>": {
        "id": "<b>%{y}</b><br>%{customdata[0]:,} perjalanan (%{customdata[1]:.1%} dari yang "
        "masuk)<br>%{customdata[2]:.1%} dari tahap sebelumnya berlanjut (interval 95% "
        "%{customdata[3]:.1%} sampai %{customdata[4]:.1%})<extra>%{fullData.name}</extra>",
        "ms": "<b>%{y}</b><br>%{customdata[0]:,} perjalanan (%{customdata[1]:.1%} daripada "
        "yang masuk)<br>%{customdata[2]:.1%} daripada peringkat sebelumnya diteruskan (selang "
        "95% %{customdata[3]:.1%} hingga %{customdata[4]:.1%})<extra>%{fullData.name}</extra>",
    },
    "%{y}<br>%{customdata[0]:,} journeys, %{x:.1%} (95% interval %{customdata[1]:.1%} to "
    "%{customdata[2]:.1%})<extra></extra>": {
        "id": "%{y}<br>%{customdata[0]:,} perjalanan, %{x:.1%} (interval 95% "
        "%{customdata[1]:.1%} sampai %{customdata[2]:.1%})<extra></extra>",
        "ms": "%{y}<br>%{customdata[0]:,} perjalanan, %{x:.1%} (selang 95% "
        "%{customdata[1]:.1%} hingga %{customdata[2]:.1%})<extra></extra>",
    },
    "%{x:.1f} days: %{y:.0%} still open<extra>%{fullData.name}</extra>": {
        "id": "%{x:.1f} hari: %{y:.0%} masih terbuka<extra>%{fullData.name}</extra>",
        "ms": "%{x:.1f} hari: %{y:.0%} masih terbuka<extra>%{fullData.name}</extra>",
    },
    "CSAT %{y:.1%}<br>%{customdata:,} responses<extra>%{fullData.name}</extra>": {
        "id": "CSAT %{y:.1%}<br>%{customdata:,} jawaban<extra>%{fullData.name}</extra>",
        "ms": "CSAT %{y:.1%}<br>%{customdata:,} jawapan<extra>%{fullData.name}</extra>",
    },
}

#: The words of a directly-follows cell (``"1,234 (allowed); median 2.5 h"``).
MOVE_WORDS: dict[str, dict[str, str]] = {
    "allowed": {"id": "diizinkan model", "ms": "dibenarkan oleh model"},
    "✗ not in the model": {"id": "✗ tidak ada dalam model", "ms": "✗ tiada dalam model"},
    "median": {"id": "median", "ms": "median"},
    "h": {"id": "jam", "ms": "jam"},
}
_MOVE_CELL = re.compile(
    r"(?P<count>[\d,]+) \((?P<kind>allowed|✗ not in the model)\); median (?P<hours>[\d.]+) h"
)

#: Values from the data that have a name in each language (complaint areas from DESIGN §1 and
#: seed 001; recovery actions). English shows the value as the data holds it.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "communication": {"id": "komunikasi", "ms": "komunikasi"},
    "customer_psychology": {"id": "psikologi pelanggan", "ms": "psikologi klien"},
    "complaint_handling": {"id": "penanganan keluhan", "ms": "pengendalian aduan"},
    "image": {"id": "citra", "ms": "imej"},
    "product": {"id": "produk", "ms": "produk"},
    "other": {"id": "lainnya", "ms": "lain-lain"},
    "refund": {"id": "pengembalian dana", "ms": "bayaran balik"},
    "discount": {"id": "diskon", "ms": "diskaun"},
    "extra_service": {"id": "layanan tambahan", "ms": "perkhidmatan tambahan"},
    "apology": {"id": "permintaan maaf", "ms": "permohonan maaf"},
    "replacement": {"id": "penggantian", "ms": "penggantian"},
    "none": {"id": "tidak ada", "ms": "tiada"},
    "unclassified": {"id": "tidak terklasifikasi", "ms": "tidak dikelaskan"},
}
TEXTS.update(REPORT_TEXTS)


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


def value_label(value: str, language: str = "en") -> str:
    """A data value's name in ``language`` (complaint areas, recovery actions; see
    :data:`VALUE_LABELS`); English, and values without a name, show the value itself.

    >>> value_label("complaint_handling", "ms"), value_label("complaint_handling", "en")
    ('pengendalian aduan', 'complaint_handling')
    """
    if check_language(language) == "en":
        return value
    return VALUE_LABELS.get(value, {}).get(language, value)


def chart_text(text: str, language: str = "en") -> str:
    """A figure's English label in ``language`` (:data:`CHART_TEXTS`, then stage names and
    :data:`VALUE_LABELS`); unknown text is returned as it is.

    >>> chart_text("share still open", "id"), chart_text("product", "ms")
    ('bagian yang masih terbuka', 'produk')
    """
    if check_language(language) == "en":
        return text
    if text in CHART_TEXTS:
        return CHART_TEXTS[text][language]
    for labels in (STAGE_LABELS["en"],):
        for stage, english in labels.items():
            if text in (stage, english):
                return STAGE_LABELS[language][stage]
    key = text.replace(" ", "_")
    if key in VALUE_LABELS:
        return VALUE_LABELS[key][language]
    return text


def hover_text(template: str, language: str = "en") -> str:
    """A figure's English hover template in ``language`` (:data:`HOVER_TEXTS`); a template
    with no translation is returned as it is."""
    if check_language(language) == "en":
        return template
    return HOVER_TEXTS.get(template, {}).get(language, template)


def move_text(text: str, language: str = "en") -> str:
    """A directly-follows cell (``"1,234 (allowed); median 2.5 h"``) in ``language``.

    >>> move_text("1,234 (✗ not in the model); median 2.5 h", "id")
    '1.234 (✗ tidak ada dalam model); median 2,5 jam'
    """
    match = _MOVE_CELL.fullmatch(text)
    if check_language(language) == "en" or not match:
        return text
    words = {english: names[language] for english, names in MOVE_WORDS.items()}
    count = localize_number(match["count"], language)
    hours = localize_number(match["hours"], language)
    return f"{count} ({words[match['kind']]}); {words['median']} {hours} {words['h']}"


def localize_number(text: str, language: str = "en") -> str:
    """Number text written the English way (``1,234.5``) in ``language``'s separators.

    >>> localize_number("62.1% (60.6–63.6%)", "id")
    '62,1% (60,6–63,6%)'
    """
    if check_language(language) != "id":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


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


# -- key drivers and closing the loop (issue 16): the drivers report and the recovery report's
# loop-closure section (cycleanalytics.drivers_text) ------------------------------------------
TEXTS.update(
    {
        "drv.title": {
            "en": "Which stage to fix first",
            "id": "Tahap mana yang diperbaiki lebih dulu",
            "ms": "Peringkat mana yang perlu dibaiki dahulu",
        },
        "drv.text": {
            "en": "Customers rate the stages (or aspects) of their journey and give one overall "
            "answer. This report shows which ratings move that overall answer most, and where "
            "importance meets a low rating: the stage to fix first.",
            "id": "Pelanggan menilai tahap (atau aspek) perjalanan mereka dan memberi satu "
            "jawaban keseluruhan. Laporan ini menunjukkan penilaian mana yang paling "
            "menggerakkan jawaban keseluruhan itu, dan di mana kepentingan bertemu penilaian "
            "rendah: tahap yang perlu diperbaiki lebih dulu.",
            "ms": "Pelanggan menilai peringkat (atau aspek) perjalanan mereka dan memberi satu "
            "jawapan keseluruhan. Laporan ini menunjukkan penilaian mana yang paling "
            "menggerakkan jawapan keseluruhan itu, dan di mana kepentingan bertemu penilaian "
            "rendah: peringkat yang perlu dibaiki dahulu.",
        },
        "drv.stages.heading": {
            "en": "Stages by priority",
            "id": "Tahap menurut prioritas",
            "ms": "Peringkat mengikut keutamaan",
        },
        "drv.stages.text": {
            "en": "A stage's importance is its share of what the ratings explain of the overall "
            "answer (the relative weights of its aspects added up). Priority weighs that share "
            "by how far the stage's mean rating is below the top of the scale.",
            "id": "Kepentingan suatu tahap adalah bagiannya dari apa yang dijelaskan penilaian "
            "terhadap jawaban keseluruhan (bobot relatif aspek-aspeknya dijumlahkan). Prioritas "
            "menimbang bagian itu dengan seberapa jauh rata-rata penilaian tahap di bawah "
            "puncak skala.",
            "ms": "Kepentingan sesuatu peringkat ialah bahagiannya daripada apa yang dijelaskan "
            "oleh penilaian terhadap jawapan keseluruhan (pemberat relatif aspek-aspeknya "
            "dijumlahkan). Keutamaan menimbang bahagian itu dengan sejauh mana purata penilaian "
            "peringkat itu di bawah puncak skala.",
        },
        "drv.quadrant.heading": {
            "en": "Importance and performance",
            "id": "Kepentingan dan kinerja",
            "ms": "Kepentingan dan prestasi",
        },
        "drv.quadrant.text": {
            "en": "Each point is a driver: up is more important, right is rated higher. Top "
            "left (important, rated below average) is where to act first; the dotted lines are "
            "the averages.",
            "id": "Setiap titik adalah satu pendorong: ke atas lebih penting, ke kanan dinilai "
            "lebih tinggi. Kiri atas (penting, dinilai di bawah rata-rata) adalah tempat "
            "bertindak lebih dulu; garis putus-putus adalah rata-ratanya.",
            "ms": "Setiap titik ialah satu pemacu: ke atas lebih penting, ke kanan dinilai lebih "
            "tinggi. Kiri atas (penting, dinilai di bawah purata) ialah tempat untuk bertindak "
            "dahulu; garis putus-putus ialah puratanya.",
        },
        "drv.drivers.heading": {
            "en": "Every driver",
            "id": "Semua pendorong",
            "ms": "Semua pemacu",
        },
        "drv.read.1": {
            "en": "Importance is statistical, not causal: a driver that moves with the overall "
            "answer may share a cause with it.",
            "id": "Kepentingan bersifat statistik, bukan sebab-akibat: pendorong yang bergerak "
            "bersama jawaban keseluruhan bisa memiliki penyebab yang sama dengannya.",
            "ms": "Kepentingan bersifat statistik, bukan sebab-akibat: pemacu yang bergerak "
            "bersama jawapan keseluruhan mungkin berkongsi punca dengannya.",
        },
        "drv.read.2": {
            "en": "Shares are relative weights (Johnson 2000); the Shapley values of R² agree "
            "closely. Intervals are 95% bootstrap intervals.",
            "id": "Bagian adalah bobot relatif (Johnson 2000); nilai Shapley dari R² hampir "
            "sama. Interval adalah interval bootstrap 95%.",
            "ms": "Bahagian ialah pemberat relatif (Johnson 2000); nilai Shapley bagi R² hampir "
            "sama. Selang ialah selang bootstrap 95%.",
        },
        "drv.read.3": {
            "en": "A dissatisfier hurts when rated low but adds little when rated high; a "
            "delighter adds when rated high but hurts little when rated low.",
            "id": "Penyebab ketidakpuasan merugikan saat dinilai rendah tetapi menambah sedikit "
            "saat dinilai tinggi; penyenang menambah saat dinilai tinggi tetapi sedikit merugikan "
            "saat dinilai rendah.",
            "ms": "Punca ketidakpuasan merugikan apabila dinilai rendah tetapi menambah sedikit "
            "apabila dinilai tinggi; penggembira menambah apabila dinilai tinggi tetapi sedikit "
            "merugikan apabila dinilai rendah.",
        },
        "drv.say.top": {
            "en": "The strongest drivers of {outcome} are {drivers}: together {share} of what "
            "the ratings explain (R² {r2}).",
            "id": "Pendorong terkuat dari {outcome} adalah {drivers}: bersama-sama {share} dari "
            "apa yang dijelaskan penilaian (R² {r2}).",
            "ms": "Pemacu terkuat bagi {outcome} ialah {drivers}: bersama-sama {share} daripada "
            "apa yang dijelaskan oleh penilaian (R² {r2}).",
        },
        "drv.say.fix": {
            "en": "Fix first: {stage}, with {share} of the explained variation and a mean "
            "rating of {mean} out of {top}.",
            "id": "Perbaiki lebih dulu: {stage}, dengan {share} dari variasi yang dijelaskan dan "
            "rata-rata penilaian {mean} dari {top}.",
            "ms": "Baiki dahulu: {stage}, dengan {share} daripada variasi yang dijelaskan dan "
            "purata penilaian {mean} daripada {top}.",
        },
        "drv.say.none": {
            "en": "Not enough ratings to tell which stage drives {outcome}: {n} cases have it "
            "with a rating of {drivers}, and at least two stages rated on the same cases are "
            "needed. Ratings of each stage on the same journeys (for example a CSAT after "
            "first contact and after delivery, beside the NPS), or a survey with one rating per "
            "aspect (report parameter survey), would enable it.",
            "id": "Penilaian belum cukup untuk menunjukkan tahap mana yang mendorong {outcome}: "
            "{n} kasus memilikinya dengan penilaian {drivers}, dan dibutuhkan minimal dua tahap "
            "yang dinilai pada kasus yang sama. Penilaian setiap tahap pada perjalanan yang sama "
            "(misalnya CSAT setelah kontak pertama dan setelah penyampaian, di samping NPS), "
            "atau survei dengan satu penilaian per aspek (parameter laporan survey), akan "
            "memungkinkannya.",
            "ms": "Penilaian belum mencukupi untuk menunjukkan peringkat mana yang memacu "
            "{outcome}: {n} kes mempunyainya dengan penilaian {drivers}, dan sekurang-kurangnya "
            "dua peringkat yang dinilai pada kes yang sama diperlukan. Penilaian setiap "
            "peringkat pada perjalanan yang sama (contohnya CSAT selepas hubungan pertama dan "
            "selepas penyampaian, di sebelah NPS), atau tinjauan dengan satu penilaian bagi "
            "setiap aspek (parameter laporan survey), akan membolehkannya.",
        },
        "drv.say.no_rating": {
            "en": "no stage",
            "id": "tidak ada tahap",
            "ms": "tiada peringkat",
        },
        "drv.basis.survey": {
            "en": "Based on {n} respondents of the survey {survey} who answered every rating.",
            "id": "Berdasarkan {n} responden survei {survey} yang menjawab semua penilaian.",
            "ms": "Berdasarkan {n} responden tinjauan {survey} yang menjawab semua penilaian.",
        },
        "drv.basis.cases": {
            "en": "Based on {n} cases with {outcome} and a rating of every stage shown, {period}.",
            "id": "Berdasarkan {n} kasus dengan {outcome} dan penilaian setiap tahap yang "
            "ditampilkan, {period}.",
            "ms": "Berdasarkan {n} kes dengan {outcome} dan penilaian setiap peringkat yang "
            "ditunjukkan, {period}.",
        },
        "drv.outcome.nps": {"en": "the NPS", "id": "NPS", "ms": "NPS"},
        "drv.outcome.csat": {
            "en": "overall CSAT",
            "id": "CSAT keseluruhan",
            "ms": "CSAT keseluruhan",
        },
        "drv.outcome.satisfaction": {
            "en": "overall satisfaction",
            "id": "kepuasan keseluruhan",
            "ms": "kepuasan keseluruhan",
        },
        "drv.outcome.overall": {
            "en": "the overall score",
            "id": "skor keseluruhan",
            "ms": "skor keseluruhan",
        },
        "drv.outcome.recommend": {
            "en": "recommendation",
            "id": "rekomendasi",
            "ms": "cadangan",
        },
        "drv.col.rank": {"en": "Rank", "id": "Peringkat", "ms": "Kedudukan"},
        "drv.col.driver": {"en": "Driver", "id": "Pendorong", "ms": "Pemacu"},
        "drv.col.stage": {"en": "Stage", "id": "Tahap", "ms": "Peringkat"},
        "drv.col.share": {
            "en": "Share of the explained variation",
            "id": "Bagian dari variasi yang dijelaskan",
            "ms": "Bahagian daripada variasi yang dijelaskan",
        },
        "drv.col.mean": {
            "en": "Mean rating",
            "id": "Rata-rata penilaian",
            "ms": "Purata penilaian",
        },
        "drv.col.effect": {"en": "Effect", "id": "Efek", "ms": "Kesan"},
        "drv.col.quadrant": {"en": "Quadrant", "id": "Kuadran", "ms": "Sukuan"},
        "drv.col.drivers": {"en": "Drivers", "id": "Pendorong", "ms": "Pemacu"},
        "drv.col.priority": {"en": "Priority", "id": "Prioritas", "ms": "Keutamaan"},
        "drv.effect.dissatisfier": {
            "en": "dissatisfier",
            "id": "penyebab ketidakpuasan",
            "ms": "punca ketidakpuasan",
        },
        "drv.effect.delighter": {"en": "delighter", "id": "penyenang", "ms": "penggembira"},
        "drv.effect.hybrid": {"en": "both", "id": "keduanya", "ms": "kedua-duanya"},
        "drv.effect.weak": {
            "en": "no clear effect",
            "id": "tanpa efek jelas",
            "ms": "tiada kesan jelas",
        },
        "drv.quadrant.fix_first": {
            "en": "fix first",
            "id": "perbaiki dulu",
            "ms": "baiki dahulu",
        },
        "drv.quadrant.keep_up": {"en": "keep up", "id": "pertahankan", "ms": "kekalkan"},
        "drv.quadrant.low_priority": {
            "en": "low priority",
            "id": "prioritas rendah",
            "ms": "keutamaan rendah",
        },
        "drv.quadrant.possible_overkill": {
            "en": "possible overkill",
            "id": "mungkin berlebihan",
            "ms": "mungkin berlebihan",
        },
        "loop.heading": {
            "en": "Closing the loop",
            "id": "Menutup lingkaran umpan balik",
            "ms": "Menutup gelung maklum balas",
        },
        "loop.text": {
            "en": "Detractors, low CSAT answers, open complaints and failed recoveries each need "
            "a follow-up within {sla} hours. The loop-closure rate is the share of those due "
            "that got one in time; follow-ups not yet due are not counted.",
            "id": "Detraktor, jawaban CSAT rendah, keluhan yang masih terbuka dan pemulihan yang "
            "gagal masing-masing perlu ditindaklanjuti dalam {sla} jam. Tingkat penutupan "
            "lingkaran adalah bagian dari yang jatuh tempo yang ditindaklanjuti tepat waktu; "
            "tindak lanjut yang belum jatuh tempo tidak dihitung.",
            "ms": "Pengkritik, jawapan CSAT rendah, aduan yang masih terbuka dan pemulihan yang "
            "gagal masing-masing memerlukan susulan dalam {sla} jam. Kadar penutupan gelung "
            "ialah bahagian daripada yang telah tiba tempoh yang disusuli tepat pada masanya; "
            "susulan yang belum tiba tempoh tidak dikira.",
        },
        "loop.say": {
            "en": "{closed} of the {due} follow-ups that were due ({share}) were made in time; "
            "{overdue} are still overdue.",
            "id": "{closed} dari {due} tindak lanjut yang jatuh tempo ({share}) dilakukan tepat "
            "waktu; {overdue} masih terlambat.",
            "ms": "{closed} daripada {due} susulan yang telah tiba tempoh ({share}) dibuat tepat "
            "pada masanya; {overdue} masih lewat.",
        },
        "loop.say.none": {
            "en": "No follow-up was due in this period.",
            "id": "Tidak ada tindak lanjut yang jatuh tempo pada periode ini.",
            "ms": "Tiada susulan yang tiba tempoh dalam tempoh ini.",
        },
        "loop.col.reason": {"en": "Reason", "id": "Alasan", "ms": "Sebab"},
        "loop.col.due": {
            "en": "Follow-ups due",
            "id": "Tindak lanjut jatuh tempo",
            "ms": "Susulan tiba tempoh",
        },
        "loop.col.in_time": {
            "en": "Followed up in time",
            "id": "Ditindaklanjuti tepat waktu",
            "ms": "Disusuli tepat pada masanya",
        },
        "loop.reason.detractor": {
            "en": "detractor (NPS 0-6)",
            "id": "detraktor (NPS 0-6)",
            "ms": "pengkritik (NPS 0-6)",
        },
        "loop.reason.low_csat": {
            "en": "low CSAT (1-2)",
            "id": "CSAT rendah (1-2)",
            "ms": "CSAT rendah (1-2)",
        },
        "loop.reason.open_complaint": {
            "en": "complaint still open",
            "id": "keluhan masih terbuka",
            "ms": "aduan masih terbuka",
        },
        "loop.reason.failed_recovery": {
            "en": "recovery failed",
            "id": "pemulihan gagal",
            "ms": "pemulihan gagal",
        },
    }
)
CHART_TEXTS.update(
    {
        "followed up within the SLA": {
            "id": "ditindaklanjuti dalam batas waktu",
            "ms": "disusuli dalam had masa",
        },
        "loop closure": {"id": "penutupan lingkaran", "ms": "penutupan gelung"},
        "performance: mean rating": {
            "id": "kinerja: rata-rata penilaian",
            "ms": "prestasi: purata penilaian",
        },
        "importance: share of R² (relative weight)": {
            "id": "kepentingan: bagian dari R² (bobot relatif)",
            "ms": "kepentingan: bahagian daripada R² (pemberat relatif)",
        },
        "drivers": {"id": "pendorong", "ms": "pemacu"},
        "rated": {"id": "dinilai", "ms": "dinilai"},
        "cases with the outcome that rate it": {
            "id": "kasus dengan hasil yang menilainya",
            "ms": "kes dengan hasil yang menilainya",
        },
    }
)
HOVER_TEXTS.update(
    {
        "followed up in time %{y:.1%}<br>%{customdata:,} due<extra></extra>": {
            "id": "ditindaklanjuti tepat waktu %{y:.1%}<br>%{customdata:,} jatuh tempo"
            "<extra></extra>",
            "ms": "disusuli tepat pada masanya %{y:.1%}<br>%{customdata:,} tiba tempoh"
            "<extra></extra>",
        },
        "%{text} (%{customdata})<br>mean rating %{x:.2f}<br>share of R² %{y:.1%}<extra></extra>": {
            "id": "%{text} (%{customdata})<br>rata-rata penilaian %{x:.2f}<br>bagian dari R² "
            "%{y:.1%}<extra></extra>",
            "ms": "%{text} (%{customdata})<br>purata penilaian %{x:.2f}<br>bahagian daripada R² "
            "%{y:.1%}<extra></extra>",
        },
    }
)
