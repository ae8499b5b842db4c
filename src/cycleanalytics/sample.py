"""Deterministic synthetic exports with known ground truth (DESIGN §5).

:func:`generate_sample` writes ``interactions.csv``, ``complaints.csv`` and ``customers.csv`` in
the canonical columns of :mod:`cycleanalytics.schema`, and ``truth.json`` with the parameters that
generated them, so that every metric can be checked against a known answer. The same arguments
always give byte-identical files.

The generative process
----------------------
1. **Customers** get a segment and a region, and arrive at a uniform time in the window
   ``[start, start + months)``. From their arrival they open cases (journeys) one after another,
   with exponential gaps whose mean depends on the segment, until the window ends or they churn.
2. **A case** gets a channel (its first event is always on that channel, and so are most of its
   events). Its journey through stages 1-4 is a Markov chain: with probability
   ``pre_interaction_unrecorded[channel]`` it starts at ``initial_interaction`` (the customer's
   information search was not recorded); otherwise it starts at ``pre_interaction``. From stage
   ``k - 1`` it continues to stage ``k`` with probability ``continuation[channel][k]``. A reached
   stage is *skipped* (its events are not recorded, the journey goes on) with probability
   ``skip[channel][k]``. The ordered funnel of DESIGN §3 therefore measures, for cases entering
   at stage 1, a conversion of ``continuation * (1 - skip)`` at each stage: this is
   ``funnel_conversion`` in ``truth.json``.
3. **Noise that leaves the ordered funnel unchanged**: repeated events of a stage, backward moves
   (one more event of an earlier, already recorded stage after a later one), activities that map
   to no stage ("Internal note", "Wait", "Transfer to other team": ``stage`` is empty), timestamp
   ties with the previous event, and follow-up surveys sent by e-mail for other channels.
4. **Satisfaction**: each case has a latent level (satisfied, neutral, dissatisfied) whose
   probabilities depend on the customer's history (no failure yet, recovered, not recovered).
   CSAT, NPS and CES are drawn from the level on the follow-up survey (part of the customers
   respond), on some chat and phone contacts, and after a recovery.
5. **Complaints and recovery**: dissatisfied customers (and a few others) complain; complaints
   get a channel, area, severity, a first response hours (or days) later and a lognormal
   resolution time, censored at the data's end (``resolved_at`` empty while open). Dissatisfied
   cases may get a service recovery (refund, discount, extra service, apology, replacement)
   that fails with an action-specific probability; failure drives low satisfaction afterwards,
   reopened complaints and churn.

Every parameter, and the DESIGN §5 figure it is calibrated to, is listed in
``data/sample/README.md``; the parameters themselves live in the constants below and are copied
into ``truth.json``.
"""

from __future__ import annotations

import bisect
import calendar
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from cycleanalytics._resources import bundled
from cycleanalytics.errors import ParameterError
from cycleanalytics.safe_csv import SafeWriter
from cycleanalytics.schema import COMPLAINTS, CUSTOMERS, INTERACTIONS

__all__ = ["SampleInfo", "generate_sample", "sample_dir"]

GENERATOR_VERSION = 1

# -- parameters (the ground truth) ------------------------------------------------------------

FUNNEL_STAGES = ("pre_interaction", "initial_interaction", "service_delivery", "follow_up")
RECOVERY_STAGE = "service_recovery"
CHANNELS = ("web", "phone", "email", "chat", "store")
CHANNEL_MIX = {"web": 0.35, "phone": 0.25, "email": 0.15, "chat": 0.15, "store": 0.10}

# Share of cases whose pre-interaction is not recorded: they enter at initial_interaction.
PRE_UNRECORDED = {"web": 0.15, "phone": 0.50, "email": 0.40, "chat": 0.30, "store": 0.60}
# P(reach stage k | reached stage k-1), per channel (stages 2-4).
CONTINUATION = {
    "web": {"initial_interaction": 0.30, "service_delivery": 0.80, "follow_up": 0.70},
    "phone": {"initial_interaction": 0.42, "service_delivery": 0.88, "follow_up": 0.75},
    "email": {"initial_interaction": 0.12, "service_delivery": 0.78, "follow_up": 0.65},
    "chat": {"initial_interaction": 0.38, "service_delivery": 0.85, "follow_up": 0.72},
    "store": {"initial_interaction": 0.48, "service_delivery": 0.92, "follow_up": 0.60},
}
# P(a reached stage leaves no recorded event), per channel (stages 2-4).
SKIP = {
    "web": {"initial_interaction": 0.03, "service_delivery": 0.05, "follow_up": 0.04},
    "phone": {"initial_interaction": 0.02, "service_delivery": 0.06, "follow_up": 0.04},
    "email": {"initial_interaction": 0.03, "service_delivery": 0.05, "follow_up": 0.05},
    "chat": {"initial_interaction": 0.02, "service_delivery": 0.04, "follow_up": 0.04},
    "store": {"initial_interaction": 0.04, "service_delivery": 0.10, "follow_up": 0.06},
}

NOISE = {
    "extra_pre_events_mean": 0.7,  # Poisson number of extra pre-interaction events
    "repeat_initial": 0.15,  # a second contact event
    "repeat_delivery": 0.084,  # delivered (resolved) twice: DESIGN §5 rework 8.4%
    "feedback_request_before_survey": 0.5,
    "backward_move": 0.10,  # per case with two or more recorded stages
    "unmapped_events_mean": 0.6,  # Poisson per case handled by an agent
    "tie_with_previous": 0.03,  # per event after the first
    "survey_by_email": 0.20,  # follow-up survey on e-mail for phone/chat/store cases
    "other_agent": 0.10,  # a human event handled by another agent than the case's
}

SEGMENT_MIX = {"consumer": 0.75, "small_business": 0.18, "enterprise": 0.07}
REGION_MIX = {"north": 0.22, "south": 0.20, "east": 0.18, "west": 0.25, "central": 0.15}
CASE_GAP_DAYS = {"consumer": 60.0, "small_business": 35.0, "enterprise": 18.0}

SATISFACTION_LEVELS = ("satisfied", "neutral", "dissatisfied")
# Latent satisfaction of a delivered case by the customer's history (DESIGN §5: 43.5% satisfied).
LEVEL_PROBS = {
    "no_failure": {"satisfied": 0.435, "neutral": 0.30, "dissatisfied": 0.265},
    "recovered": {"satisfied": 0.50, "neutral": 0.28, "dissatisfied": 0.22},
    "not_recovered": {"satisfied": 0.30, "neutral": 0.30, "dissatisfied": 0.40},
}
CSAT_DIST = {
    "satisfied": {4: 0.40, 5: 0.60},
    "neutral": {2: 0.25, 3: 0.75},
    "dissatisfied": {1: 0.55, 2: 0.45},
}
NPS_DIST = {
    "satisfied": {7: 0.08, 8: 0.12, 9: 0.35, 10: 0.45},
    "neutral": {3: 0.05, 4: 0.10, 5: 0.22, 6: 0.25, 7: 0.23, 8: 0.15},
    "dissatisfied": {0: 0.15, 1: 0.10, 2: 0.15, 3: 0.15, 4: 0.15, 5: 0.15, 6: 0.15},
}
CES_DIST = {  # 1-7, 7 = very easy
    "satisfied": {5: 0.20, 6: 0.40, 7: 0.40},
    "neutral": {3: 0.20, 4: 0.40, 5: 0.30, 6: 0.10},
    "dissatisfied": {1: 0.30, 2: 0.35, 3: 0.25, 4: 0.10},
}
SURVEY = {
    "response_rate": 0.35,  # follow-up survey answered
    "nps_given_response": 0.80,
    "ces_given_response": 0.60,
    "contact_rating_rate": 0.12,  # CSAT on a chat or phone first contact
    "recovery_survey_response_rate": 0.45,
}

COMPLAINT_RATE = {  # P(complaint) by the case's outcome
    "dissatisfied": 0.55,
    "neutral": 0.06,
    "satisfied": 0.015,
    "not_delivered": 0.15,  # reached initial_interaction, never delivered
}
COMPLAINT_CHANNEL_MIX = {
    "web": 0.70,
    "referral": 0.17,
    "phone": 0.06,
    "postal_mail": 0.05,
    "fax": 0.02,
}
SEVERITY_MIX = {"low": 0.43, "medium": 0.5342, "high": 0.035, "major": 0.0008}
CATEGORY_MIX = {
    "product": 0.32,
    "communication": 0.28,
    "complaint_handling": 0.14,
    "customer_psychology": 0.10,
    "image": 0.06,
    "other": 0.10,
}
CATEGORY_REPEAT = 0.40  # P(same area as the customer's previous complaint)
CASE_ID_MISSING = 0.10  # complaints not linked to a case
FIRST_RESPONSE_MEDIAN_H = 6.0
FIRST_RESPONSE_SIGMA = 1.0
HANDOFF_MEAN_DAYS = 3.2  # referral, postal mail and fax complaints reach the team later
HANDOFF_CHANNELS = ("referral", "postal_mail", "fax")
RESOLUTION_MEDIAN_H = 144.0  # DESIGN §5: median about 6 days to first resolution
RESOLUTION_SIGMA = 0.9
CSAT_AFTER_RESPONSE = 0.75

RECOVERY_ACTION_MIX = {  # CFPB responses: explanation 78%, non-monetary 12%, monetary 7%, none 3%
    "apology": 0.78,
    "extra_service": 0.07,
    "replacement": 0.05,
    "refund": 0.04,
    "discount": 0.03,
    "none": 0.03,
}
RECOVERY_FAILURE = {  # CFPB dispute rates: explanation 21%, non-monetary 11%, monetary 7%
    "apology": 0.21,
    "extra_service": 0.11,
    "replacement": 0.11,
    "refund": 0.07,
    "discount": 0.07,
    "none": 0.40,
}
RECOVERY_OFFERED = {"with_complaint": 0.90, "without_complaint": 0.30}
REOPEN = {"failed": 0.40, "succeeded": 0.01}  # about 8.4% overall (DESIGN §5 rework)
POST_RECOVERY_CSAT = {"succeeded": {4: 0.45, 5: 0.55}, "failed": {1: 0.60, 2: 0.40}}
POST_RECOVERY_NPS = {"succeeded": NPS_DIST["satisfied"], "failed": NPS_DIST["dissatisfied"]}

CHURN = {  # P(the customer churns after a case), by the case's outcome
    "no_failure": 0.02,
    "recovered": 0.03,
    "unrecovered": 0.10,
    "failed_recovery": 0.20,
}
CHURN_DELAY_MEAN_DAYS = 10.0

# Handling cost: per minute and per event, by channel (assumptions, not in DESIGN §5).
COST_PER_MINUTE = {"web": 0.30, "phone": 1.10, "email": 0.45, "chat": 0.55, "store": 1.40}
COST_PER_EVENT = {"web": 0.10, "phone": 0.50, "email": 0.20, "chat": 0.20, "store": 2.00}
HANDLING_MEDIAN_S = {"web": 240.0, "phone": 360.0, "email": 300.0, "chat": 540.0, "store": 720.0}
SELF_SERVICE_COST = 0.05
ACTION_COST = {
    "refund": 35.0,
    "replacement": 25.0,
    "extra_service": 18.0,
    "discount": 12.0,
    "apology": 0.0,
    "none": 0.0,
}

# -- activity labels (mapped ones are aliases of their stage in the default model) ------------

PRE_ACTIVITIES = ("Visit website", "Read FAQ", "Information search", "Browse")
INITIAL_ACTIVITY = {
    "web": "Ticket opened",
    "phone": "First contact",
    "email": "Inquiry",
    "chat": "First contact",
    "store": "Enquiry",
}
REPEAT_INITIAL_ACTIVITY = "Contact"
DELIVERY_ACTIVITIES = ("Deliver service", "Order fulfilled", "Resolve ticket")
FEEDBACK_REQUEST = "Feedback request"
SURVEY_ACTIVITY = "Satisfaction survey"
RECOVERY_ACTIVITY = {
    "refund": "Refund",
    "discount": "Discount",
    "extra_service": "Extra service",
    "apology": "Apology",
    "replacement": "Replacement",
}
RECOVERY_SURVEY = "Recovery survey"
UNMAPPED_ACTIVITIES = ("Internal note", "Wait", "Transfer to other team")

COMPLAINT_TEXTS = {
    "communication": (
        "Nobody told me that my {item} would be late.",
        "I asked three times about my {item} and got no clear answer.",
        "The letter about my {item} was confusing.",
    ),
    "customer_psychology": (
        "I felt ignored when I asked about my {item}.",
        "The staff made me feel foolish for asking about my {item}.",
    ),
    "complaint_handling": (
        "My earlier complaint about the {item} was closed without a reply.",
        "It took {days} days to get any response about my {item}.",
    ),
    "image": (
        "The shop looked untidy when I came about my {item}.",
        "I read bad reviews and now I worry about my {item}.",
    ),
    "product": (
        "The {item} did not work as promised.",
        "The {item} arrived damaged.",
        "The {item} stopped working after {days} days.",
    ),
    "other": (
        "I was charged twice for my {item}.",
        "I want to change the address for my {item}.",
    ),
}
COMPLAINT_ITEMS = (
    "order",
    "subscription",
    "appointment",
    "delivery",
    "invoice",
    "account",
    "repair",
)

_DAY = 86_400
_HOUR = 3_600


# -- public API --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleInfo:
    """What :func:`generate_sample` wrote.

    Attributes
    ----------
    out : Path
        The folder written to.
    files : dict[str, Path]
        Paths by kind: ``"interactions"``, ``"complaints"``, ``"customers"``, ``"truth"``.
    rows : dict[str, int]
        Data rows written per CSV file (header excluded).
    """

    out: Path
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def sample_dir() -> Path:
    """The folder of the bundled sample exports (``data/sample``).

    Returns
    -------
    Path
        Folder holding ``interactions.csv``, ``complaints.csv``, ``customers.csv`` and
        ``truth.json``, generated by ``generate_sample`` with its defaults.

    Examples
    --------
    >>> sorted(p.name for p in sample_dir().glob("*.csv"))
    ['complaints.csv', 'customers.csv', 'interactions.csv']
    """
    return bundled("data/sample")


def generate_sample(
    out: str | Path,
    *,
    customers: int = 1500,
    months: int = 6,
    seed: int = 7,
    start: str = "2026-01-01",
) -> SampleInfo:
    """Write synthetic canonical exports with known ground truth into ``out``.

    Parameters
    ----------
    out : str or Path
        Folder to write to; created if missing. Sample files written before (the folder's
        ``truth.json`` says so) are overwritten; any other file of the same name is not.
    customers : int, default 1500
        Number of customers; each has one or more cases.
    months : int, default 6
        Length of the data window in calendar months from ``start``.
    seed : int, default 7
        Seed of ``numpy.random.default_rng``; the same arguments give byte-identical files.
    start : str, default "2026-01-01"
        First day of the window (ISO date, UTC midnight).

    Returns
    -------
    SampleInfo
        The folder, the file written per kind and the data rows per CSV file.

    Raises
    ------
    ParameterError
        If ``customers`` or ``months`` is below 1, ``start`` is not an ISO date, or ``out``
        holds an ``interactions.csv``, ``complaints.csv``, ``customers.csv`` or ``truth.json``
        that is not a sample written by this function.

    Examples
    --------
    >>> import tempfile
    >>> info = generate_sample(tempfile.mkdtemp(), customers=20, months=2)
    >>> sorted(info.files)
    ['complaints', 'customers', 'interactions', 'truth']
    >>> info.rows["customers"]
    20
    """
    if customers < 1:
        raise ParameterError(f"customers must be at least 1, got {customers}")
    if months < 1:
        raise ParameterError(f"months must be at least 1, got {months}")
    start_dt = _parse_start(start)
    end_dt = _add_months(start_dt, months)
    window = int((end_dt - start_dt).total_seconds())

    rng = np.random.default_rng(seed)
    sim = _Simulation(rng, window, n_agents=max(5, customers // 25))
    for index in range(customers):
        sim.simulate_customer(index)

    out_path = Path(out)
    files = {
        "interactions": out_path / "interactions.csv",
        "complaints": out_path / "complaints.csv",
        "customers": out_path / "customers.csv",
        "truth": out_path / "truth.json",
    }
    _refuse_foreign_files(out_path, files)
    out_path.mkdir(parents=True, exist_ok=True)
    base = np.datetime64(start_dt.replace(tzinfo=None), "s")
    rows = {
        "interactions": _write_interactions(files["interactions"], sim, base),
        "complaints": _write_complaints(files["complaints"], sim, base, window),
        "customers": _write_customers(files["customers"], sim, base, customers),
    }
    truth = _truth(
        customers=customers,
        months=months,
        seed=seed,
        start=_iso(start_dt),
        as_of=_iso(end_dt),
        rows=rows,
    )
    files["truth"].write_text(
        json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8", newline="\n"
    )
    return SampleInfo(out=out_path, files=files, rows=rows)


def _refuse_foreign_files(out: Path, files: Mapping[str, Path]) -> None:
    """Never overwrite someone's export: the files are replaced only when the folder's
    ``truth.json`` was written by this generator (an earlier sample)."""
    existing = [p for p in files.values() if p.exists()]
    if not existing:
        return
    try:
        truth = json.loads(files["truth"].read_text(encoding="utf-8"))
        ours = truth["generator"]["module"] == "cycleanalytics.sample"
    except (OSError, ValueError, KeyError, TypeError):
        ours = False
    if not ours:
        names = ", ".join(p.name for p in existing)
        raise ParameterError(
            f"{out} already holds {names}, not written by the sample generator; nothing was "
            "overwritten. Choose an empty or new folder with --out"
        )


# -- time helpers ------------------------------------------------------------------------------


def _parse_start(start: str) -> datetime:
    try:
        day = datetime.strptime(start, "%Y-%m-%d")
    except ValueError:
        raise ParameterError(
            f"start must be an ISO date such as '2026-01-01', got {start!r}"
        ) from None
    return day.replace(tzinfo=UTC)


def _add_months(moment: datetime, months: int) -> datetime:
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_array(base: np.datetime64, seconds: np.ndarray) -> list[str]:
    """ISO 8601 UTC strings for offsets in seconds from ``base``."""
    stamps = base + seconds.astype("timedelta64[s]")
    return [s + "Z" for s in np.datetime_as_string(stamps, unit="s")]


# -- simulation --------------------------------------------------------------------------------


class _Choice:
    """Fast draws from a fixed categorical distribution with a scalar uniform."""

    def __init__(self, probs: Mapping[Any, float]) -> None:
        self.values = list(probs)
        total = float(sum(probs.values()))
        self.cum = list(np.cumsum([p / total for p in probs.values()]))
        self.cum[-1] = 1.0

    def draw(self, rng: np.random.Generator) -> Any:
        return self.values[bisect.bisect_right(self.cum, rng.random())]


@dataclass
class _Event:
    t: int  # seconds from the case's first event
    stage: str | None
    activity: str
    channel: str
    agent: str | None
    duration: float
    cost: float
    csat: int | None = None
    nps: int | None = None
    ces: int | None = None


@dataclass
class _Complaint:
    customer: int
    case: int
    opened: int  # absolute seconds from start
    first_response: int
    resolved: int  # may lie beyond the window: then the complaint is open
    category: str
    severity: str
    channel: str
    action: str
    reopened: bool
    csat_after: int | None
    text: str
    case_linked: bool


@dataclass
class _CaseResult:
    events: list[_Event]
    complaint: _Complaint | None
    outcome: str  # key of CHURN
    complaint_offsets: tuple[int, int] | None = None  # opened, first response (case time)


class _Simulation:
    """Holds the generator state; the rows it collects are written by the ``_write_*``."""

    def __init__(self, rng: np.random.Generator, window: int, n_agents: int) -> None:
        self.rng = rng
        self.window = window
        self.agents = [f"A{i:03d}" for i in range(1, n_agents + 1)]
        self.channel = _Choice(CHANNEL_MIX)
        self.segment = _Choice(SEGMENT_MIX)
        self.region = _Choice(REGION_MIX)
        self.levels = {h: _Choice(p) for h, p in LEVEL_PROBS.items()}
        self.csat = {k: _Choice(v) for k, v in CSAT_DIST.items()}
        self.nps = {k: _Choice(v) for k, v in NPS_DIST.items()}
        self.ces = {k: _Choice(v) for k, v in CES_DIST.items()}
        self.post_csat = {k: _Choice(v) for k, v in POST_RECOVERY_CSAT.items()}
        self.post_nps = {k: _Choice(v) for k, v in POST_RECOVERY_NPS.items()}
        self.complaint_channel = _Choice(COMPLAINT_CHANNEL_MIX)
        self.severity = _Choice(SEVERITY_MIX)
        self.category = _Choice(CATEGORY_MIX)
        self.action = _Choice(RECOVERY_ACTION_MIX)
        self.action_no_none = _Choice({k: v for k, v in RECOVERY_ACTION_MIX.items() if k != "none"})
        # collected rows
        self.events: list[tuple[int, int, int, _Event]] = []  # (abs t, case, customer, event)
        self.complaints: list[_Complaint] = []
        self.customers: list[tuple[str, str, int, int | None]] = []  # segment, region, first, churn
        self.case_customer: list[int] = []

    # -- customers and their cases --

    def simulate_customer(self, index: int) -> None:
        rng = self.rng
        segment = self.segment.draw(rng)
        region = self.region.draw(rng)
        last_start = self.window - _DAY
        case_start = int(rng.random() * last_start)
        history = "no_failure"
        last_category: str | None = None
        first_seen: int | None = None
        churned_at: int | None = None
        while True:
            case = len(self.case_customer)
            self.case_customer.append(index)
            result = self.simulate_case(index, case, history, last_category)
            offset = self._place(case_start, result)
            for event in result.events:
                self.events.append((offset + event.t, case, index, event))
            first = offset + result.events[0].t
            first_seen = first if first_seen is None else min(first_seen, first)
            if result.complaint is not None:
                result.complaint.opened += offset
                result.complaint.first_response += offset
                result.complaint.resolved += offset
                self.complaints.append(result.complaint)
                last_category = result.complaint.category
            if result.outcome in ("recovered", "failed_recovery", "unrecovered"):
                history = "recovered" if result.outcome == "recovered" else "not_recovered"
            if rng.random() < CHURN[result.outcome]:
                end = offset + max(e.t for e in result.events)
                moment = end + int(rng.exponential(CHURN_DELAY_MEAN_DAYS * _DAY)) + 1
                churned_at = moment if moment < self.window else None
                break
            gap = _DAY + rng.exponential(CASE_GAP_DAYS[segment] * _DAY)
            case_start += int(gap)
            if case_start >= last_start:
                break
        assert first_seen is not None
        self.customers.append((segment, region, first_seen, churned_at))

    def _place(self, case_start: int, result: _CaseResult) -> int:
        """Where the case's first event goes: at ``case_start`` unless the case would end
        after the window, in which case the whole case moves earlier (or is compressed)."""
        span = max(e.t for e in result.events)
        if result.complaint_offsets is not None:
            span = max(span, result.complaint_offsets[1])
        margin = 60 + int(self.rng.random() * _HOUR)
        latest = self.window - margin - span
        if case_start <= latest:
            return case_start
        if latest >= 0:
            return latest
        factor = (self.window - margin) / span
        for event in result.events:
            event.t = int(event.t * factor)
        if result.complaint is not None:
            c = result.complaint
            duration = c.resolved - c.opened
            c.opened = int(c.opened * factor)
            c.first_response = min(int(c.first_response * factor), c.opened + duration)
            c.first_response = max(c.first_response, c.opened)
            c.resolved = c.opened + duration
        return 0

    # -- one case --

    def simulate_case(
        self, customer: int, case: int, history: str, last_category: str | None
    ) -> _CaseResult:
        rng = self.rng
        channel = self.channel.draw(rng)
        agent = self.agents[int(rng.integers(len(self.agents)))]
        level = self.levels[history].draw(rng)

        entry = 1 if rng.random() >= PRE_UNRECORDED[channel] else 2
        reached = entry
        for k in (2, 3, 4):
            if k <= entry:
                continue
            if rng.random() >= CONTINUATION[channel][FUNNEL_STAGES[k - 1]]:
                break
            reached = k
        recorded = {
            k: k == entry or rng.random() >= SKIP[channel][FUNNEL_STAGES[k - 1]]
            for k in range(entry, reached + 1)
        }

        builder = _CaseBuilder(self, channel, agent)
        t = 0
        for k in range(entry, reached + 1):
            if k > entry:
                t += self._stage_gap(k, channel)
            if recorded[k]:
                t = self._stage_events(builder, k, t, level)

        delivered = reached >= 3
        if delivered:
            outcome_key = level
        elif reached >= 2:
            outcome_key = "not_delivered"
        else:
            outcome_key = None
        dissatisfied = delivered and level == "dissatisfied"

        complaint: _Complaint | None = None
        offsets: tuple[int, int] | None = None
        recovery_from = t
        if outcome_key is not None and rng.random() < COMPLAINT_RATE[outcome_key]:
            complaint = self._complaint(customer, case, t, last_category)
            offsets = (complaint.opened, complaint.first_response)
            recovery_from = complaint.first_response

        outcome = "no_failure"
        if complaint is not None or dissatisfied:
            outcome = self._recovery(builder, complaint, recovery_from)

        self._noise(builder)
        builder.events.sort(key=lambda e: e.t)
        self._ties(builder.events)
        return _CaseResult(builder.events, complaint, outcome, offsets)

    def _stage_gap(self, k: int, channel: str) -> int:
        rng = self.rng
        if k == 2:
            return 60 + int(rng.exponential(20 * _HOUR))
        if k == 3:
            mean_days = {"phone": 1.0, "chat": 1.0, "web": 2.0, "email": 3.0, "store": 0.5}
            return 600 + int(rng.exponential(mean_days[channel] * _DAY))
        return _HOUR + int(rng.exponential(2 * _DAY))

    def _stage_events(self, b: _CaseBuilder, k: int, t: int, level: str) -> int:
        """Emit the recorded events of stage ``k`` from time ``t``; return the last time."""
        rng = self.rng
        stage = FUNNEL_STAGES[k - 1]
        if k == 1:
            n = 1 + int(rng.poisson(NOISE["extra_pre_events_mean"]))
            for i in range(n):
                if i:
                    t += 1 + int(rng.exponential(8 * 60))
                b.self_service(t, stage, PRE_ACTIVITIES[int(rng.integers(len(PRE_ACTIVITIES)))])
            return t
        if k == 2:
            event = b.human(t, stage, INITIAL_ACTIVITY[b.channel])
            if b.channel in ("chat", "phone") and rng.random() < SURVEY["contact_rating_rate"]:
                event.csat = self.csat[level].draw(rng)
            if rng.random() < NOISE["repeat_initial"]:
                t += 60 + int(rng.exponential(3 * _HOUR))
                b.human(t, stage, REPEAT_INITIAL_ACTIVITY)
            return t
        if k == 3:
            activity = DELIVERY_ACTIVITIES[int(rng.integers(len(DELIVERY_ACTIVITIES)))]
            b.human(t, stage, activity)
            if rng.random() < NOISE["repeat_delivery"]:
                t += _HOUR + int(rng.exponential(_DAY))
                b.human(t, stage, activity)
            return t
        # follow_up: an optional feedback request, then the survey (answered or not)
        if rng.random() < NOISE["feedback_request_before_survey"]:
            b.self_service(t, stage, FEEDBACK_REQUEST)
            t += 60 + int(rng.exponential(_DAY))
        channel = b.channel
        if channel in ("phone", "chat", "store") and rng.random() < NOISE["survey_by_email"]:
            channel = "email"
        survey = b.self_service(t, stage, SURVEY_ACTIVITY, channel=channel)
        if rng.random() < SURVEY["response_rate"]:
            survey.csat = self.csat[level].draw(rng)
            if rng.random() < SURVEY["nps_given_response"]:
                survey.nps = self.nps[level].draw(rng)
            if rng.random() < SURVEY["ces_given_response"]:
                survey.ces = self.ces[level].draw(rng)
        return t

    def _complaint(self, customer: int, case: int, t: int, last_category: str | None) -> _Complaint:
        rng = self.rng
        opened = t + 600 + int(rng.exponential(_DAY))
        channel = self.complaint_channel.draw(rng)
        first_h = FIRST_RESPONSE_MEDIAN_H * math.exp(FIRST_RESPONSE_SIGMA * rng.standard_normal())
        first = first_h * _HOUR
        if channel in HANDOFF_CHANNELS:
            first += rng.exponential(HANDOFF_MEAN_DAYS * _DAY)
        resolution_h = RESOLUTION_MEDIAN_H * math.exp(RESOLUTION_SIGMA * rng.standard_normal())
        resolution = max(60, int(resolution_h * _HOUR))
        first_response = opened + min(int(first), int(0.9 * resolution))
        if last_category is not None and rng.random() < CATEGORY_REPEAT:
            category = last_category
        else:
            category = self.category.draw(rng)
        templates = COMPLAINT_TEXTS[category]
        text = templates[int(rng.integers(len(templates)))].format(
            item=COMPLAINT_ITEMS[int(rng.integers(len(COMPLAINT_ITEMS)))],
            days=2 + int(rng.integers(20)),
        )
        return _Complaint(
            customer=customer,
            case=case,
            opened=opened,
            first_response=first_response,
            resolved=opened + resolution,
            category=category,
            severity=self.severity.draw(rng),
            channel=channel,
            action=self.action.draw(rng),
            reopened=False,
            csat_after=None,
            text=text,
            case_linked=rng.random() >= CASE_ID_MISSING,
        )

    def _recovery(self, b: _CaseBuilder, complaint: _Complaint | None, t: int) -> str:
        """Recovery of a dissatisfied case; returns the case's outcome (a key of CHURN)."""
        rng = self.rng
        if complaint is not None:
            action = complaint.action
            offered = action != "none" and rng.random() < RECOVERY_OFFERED["with_complaint"]
        else:
            action = self.action_no_none.draw(rng)
            offered = rng.random() < RECOVERY_OFFERED["without_complaint"]
        failed = rng.random() < RECOVERY_FAILURE[action if offered else "none"]
        result = "failed" if failed else "succeeded"
        if complaint is not None:
            complaint.reopened = rng.random() < REOPEN[result]
            if rng.random() < CSAT_AFTER_RESPONSE:
                complaint.csat_after = self.post_csat[result].draw(rng)
        if not offered:
            return "unrecovered"
        t += 300 + int(rng.exponential(_DAY))
        if complaint is not None:
            t = min(t, complaint.resolved - 1)
        event = b.human(t, RECOVERY_STAGE, RECOVERY_ACTIVITY[action])
        event.cost = round(event.cost + ACTION_COST[action], 2)
        t += _HOUR + int(rng.exponential(2 * _DAY))
        survey = b.self_service(t, RECOVERY_STAGE, RECOVERY_SURVEY)
        if rng.random() < SURVEY["recovery_survey_response_rate"]:
            survey.csat = self.post_csat[result].draw(rng)
            if rng.random() < SURVEY["nps_given_response"]:
                survey.nps = self.post_nps[result].draw(rng)
        return "failed_recovery" if failed else "recovered"

    def _noise(self, b: _CaseBuilder) -> None:
        """Backward moves and unmapped activities; neither changes the ordered funnel."""
        rng = self.rng
        funnel_events = [e for e in b.events if e.stage in FUNNEL_STAGES]
        stages = sorted({FUNNEL_STAGES.index(e.stage) for e in funnel_events})  # type: ignore[arg-type]
        if len(stages) >= 2 and rng.random() < NOISE["backward_move"]:
            back = stages[int(rng.integers(len(stages) - 1))]
            last = max(e.t for e in funnel_events)
            t = last + 60 + int(rng.exponential(6 * _HOUR))
            stage = FUNNEL_STAGES[back]
            if back == 0:
                b.self_service(t, stage, PRE_ACTIVITIES[int(rng.integers(len(PRE_ACTIVITIES)))])
            else:
                b.human(t, stage, REPEAT_INITIAL_ACTIVITY if back == 1 else DELIVERY_ACTIVITIES[0])
        if all(e.agent is None for e in b.events):
            return  # nobody handled this case: no notes, waits or transfers
        span = max(e.t for e in b.events)
        for _ in range(int(rng.poisson(NOISE["unmapped_events_mean"]))):
            t = 1 + int(rng.random() * max(span, 600))
            activity = UNMAPPED_ACTIVITIES[int(rng.integers(len(UNMAPPED_ACTIVITIES)))]
            if activity == "Wait":
                duration = float(round(4 * _HOUR * math.exp(0.8 * rng.standard_normal()), 1))
                b.add(_Event(t, None, activity, b.channel, None, duration, 0.0))
            else:
                b.human(t, None, activity)

    def _ties(self, events: list[_Event]) -> None:
        """Give a few events the time of the previous one (never the case's first time)."""
        first = events[0].t
        for prev, event in itertools.pairwise(events):
            if prev.t > first and self.rng.random() < NOISE["tie_with_previous"]:
                event.t = prev.t


class _CaseBuilder:
    """Creates the events of one case with their channel, agent, duration and cost."""

    def __init__(self, sim: _Simulation, channel: str, agent: str) -> None:
        self.sim = sim
        self.channel = channel
        self.agent = agent
        self.events: list[_Event] = []

    def add(self, event: _Event) -> _Event:
        self.events.append(event)
        return event

    def self_service(
        self, t: int, stage: str | None, activity: str, *, channel: str | None = None
    ) -> _Event:
        rng = self.sim.rng
        duration = round(90 * math.exp(0.8 * rng.standard_normal()), 1)
        return self.add(
            _Event(t, stage, activity, channel or self.channel, None, duration, SELF_SERVICE_COST)
        )

    def human(self, t: int, stage: str | None, activity: str) -> _Event:
        rng = self.sim.rng
        agent = self.agent
        if rng.random() < NOISE["other_agent"]:
            agent = self.sim.agents[int(rng.integers(len(self.sim.agents)))]
        median = HANDLING_MEDIAN_S[self.channel]
        duration = round(median * math.exp(0.6 * rng.standard_normal()), 1)
        cost = round(
            COST_PER_EVENT[self.channel] + COST_PER_MINUTE[self.channel] * duration / 60, 2
        )
        return self.add(_Event(t, stage, activity, self.channel, agent, duration, cost))


# -- writing -----------------------------------------------------------------------------------


def _fmt_int(value: int | None) -> str:
    return "" if value is None else str(value)


def _writer(path: Path, header: Sequence[str]) -> tuple[Any, Any]:
    handle = path.open("w", encoding="utf-8", newline="")
    writer = SafeWriter(handle, lineterminator="\n")
    writer.writerow(header)
    return handle, writer


def _case_ids(n: int) -> list[str]:
    width = max(6, len(str(n)))
    return [f"K{i:0{width}d}" for i in range(1, n + 1)]


def _customer_ids(n: int) -> list[str]:
    width = max(5, len(str(n)))
    return [f"C{i:0{width}d}" for i in range(1, n + 1)]


def _write_interactions(path: Path, sim: _Simulation, base: np.datetime64) -> int:
    # Sort by time, then case and position within the case (stable sort keeps case order).
    order = sorted(range(len(sim.events)), key=lambda i: (sim.events[i][0], sim.events[i][1]))
    times = np.array([sim.events[i][0] for i in order], dtype=np.int64)
    stamps = _iso_array(base, times)
    case_ids = _case_ids(len(sim.case_customer))
    customer_ids = _customer_ids(len(sim.customers))
    width = max(7, len(str(len(order))))
    handle, writer = _writer(path, [c.name for c in INTERACTIONS.data_columns])
    with handle:
        for n, (i, stamp) in enumerate(zip(order, stamps, strict=True), start=1):
            _, case, customer, e = sim.events[i]
            writer.writerow(
                [
                    f"I{n:0{width}d}",
                    case_ids[case],
                    customer_ids[customer],
                    stamp,
                    e.stage or "",
                    e.activity,
                    e.channel,
                    e.agent or "",
                    f"{e.duration:.1f}",
                    f"{e.cost:.2f}",
                    _fmt_int(e.csat),
                    _fmt_int(e.nps),
                    _fmt_int(e.ces),
                ]
            )
    return len(order)


def _write_complaints(path: Path, sim: _Simulation, base: np.datetime64, window: int) -> int:
    complaints = sorted(sim.complaints, key=lambda c: (c.opened, c.case))
    case_ids = _case_ids(len(sim.case_customer))
    customer_ids = _customer_ids(len(sim.customers))
    opened = _iso_array(base, np.array([c.opened for c in complaints], dtype=np.int64))
    first = _iso_array(base, np.array([c.first_response for c in complaints], dtype=np.int64))
    resolved = _iso_array(base, np.array([c.resolved for c in complaints], dtype=np.int64))
    width = max(6, len(str(len(complaints))))
    # The simulated service records when each complaint was resolved: no `closed` status.
    header = [c.name for c in COMPLAINTS.data_columns if c.name != "closed"]
    handle, writer = _writer(path, header)
    with handle:
        for n, c in enumerate(complaints, start=1):
            is_open = c.resolved >= window
            writer.writerow(
                [
                    f"P{n:0{width}d}",
                    customer_ids[c.customer],
                    case_ids[c.case] if c.case_linked else "",
                    opened[n - 1],
                    first[n - 1] if c.first_response < window else "",
                    "" if is_open else resolved[n - 1],
                    c.category,
                    c.severity,
                    c.channel,
                    c.action,
                    "false" if is_open or not c.reopened else "true",
                    "" if is_open else _fmt_int(c.csat_after),
                    c.text,
                ]
            )
    return len(complaints)


def _write_customers(path: Path, sim: _Simulation, base: np.datetime64, n: int) -> int:
    first = _iso_array(base, np.array([c[2] for c in sim.customers], dtype=np.int64))
    churn_s = np.array([c[3] if c[3] is not None else 0 for c in sim.customers], dtype=np.int64)
    churn = _iso_array(base, churn_s)
    handle, writer = _writer(path, [c.name for c in CUSTOMERS.data_columns])
    with handle:
        for i, (cid, (segment, region, _, churned)) in enumerate(
            zip(_customer_ids(n), sim.customers, strict=True)
        ):
            writer.writerow([cid, segment, region, first[i], "" if churned is None else churn[i]])
    return n


# -- truth -------------------------------------------------------------------------------------


def _funnel_conversion() -> dict[str, Any]:
    """Expected conversion measured by the ordered funnel, for cases entering at stage 1.

    Per channel it is ``continuation * (1 - skip)``; overall it is the mixture over channels
    weighted by each channel's share of the cases that reached the previous stage.
    """
    by_channel = {
        ch: {stage: CONTINUATION[ch][stage] * (1 - SKIP[ch][stage]) for stage in FUNNEL_STAGES[1:]}
        for ch in CHANNELS
    }
    weights = {ch: CHANNEL_MIX[ch] * (1 - PRE_UNRECORDED[ch]) for ch in CHANNELS}
    overall = {}
    for stage in FUNNEL_STAGES[1:]:
        total = sum(weights.values())
        overall[stage] = sum(weights[ch] * by_channel[ch][stage] for ch in CHANNELS) / total
        weights = {ch: weights[ch] * by_channel[ch][stage] for ch in CHANNELS}
    return {
        "population": "cases whose first funnel event is pre_interaction",
        "overall": _rounded(overall),
        "by_channel": {ch: _rounded(v) for ch, v in by_channel.items()},
    }


def _rounded(values: Mapping[str, float]) -> dict[str, float]:
    return {k: round(v, 6) for k, v in values.items()}


def _expected(dist: Mapping[int, float], pred: Any) -> float:
    return sum(p for v, p in dist.items() if pred(v))


def _truth(
    *, customers: int, months: int, seed: int, start: str, as_of: str, rows: dict[str, int]
) -> dict[str, Any]:
    no_failure = LEVEL_PROBS["no_failure"]
    top_box = sum(no_failure[lv] * _expected(CSAT_DIST[lv], lambda v: v >= 4) for lv in no_failure)
    nps = 100 * sum(
        no_failure[lv]
        * (_expected(NPS_DIST[lv], lambda v: v >= 9) - _expected(NPS_DIST[lv], lambda v: v <= 6))
        for lv in no_failure
    )
    # failure share among complaints: an action is carried out with RECOVERY_OFFERED
    offered = RECOVERY_OFFERED["with_complaint"]
    failure = sum(
        mix * (offered * RECOVERY_FAILURE[a] + (1 - offered) * RECOVERY_FAILURE["none"])
        if a != "none"
        else mix * RECOVERY_FAILURE["none"]
        for a, mix in RECOVERY_ACTION_MIX.items()
    )

    def keyed(d: Mapping[int, float]) -> dict[str, float]:
        return {str(k): v for k, v in d.items()}

    return {
        "generator": {
            "module": "cycleanalytics.sample",
            "version": GENERATOR_VERSION,
            "arguments": {"customers": customers, "months": months, "seed": seed, "start": start},
        },
        "start": start,
        "as_of": as_of,
        "rows": rows,
        "channels": {
            "mix": CHANNEL_MIX,
            "case_channel": "the channel of the case's first event (and of most of its events)",
        },
        "funnel": {
            "stages": list(FUNNEL_STAGES),
            "pre_interaction_unrecorded": PRE_UNRECORDED,
            "continuation": CONTINUATION,
            "skip": SKIP,
        },
        "funnel_conversion": _funnel_conversion(),
        "noise": NOISE,
        "customers": {
            "segment_mix": SEGMENT_MIX,
            "region_mix": REGION_MIX,
            "case_gap_days_mean": CASE_GAP_DAYS,
        },
        "satisfaction": {
            "level_probs_by_history": LEVEL_PROBS,
            "csat": {lv: keyed(d) for lv, d in CSAT_DIST.items()},
            "nps": {lv: keyed(d) for lv, d in NPS_DIST.items()},
            "ces": {lv: keyed(d) for lv, d in CES_DIST.items()},
            "ces_scale": "1-7, 7 = very easy",
            "survey": SURVEY,
            "csat_top_box_no_failure": round(top_box, 6),
            "nps_no_failure": round(nps, 6),
        },
        "complaints": {
            "rate_by_outcome": COMPLAINT_RATE,
            "channel_mix": COMPLAINT_CHANNEL_MIX,
            "severity_mix": SEVERITY_MIX,
            "category_mix": CATEGORY_MIX,
            "category_repeat": CATEGORY_REPEAT,
            "case_id_missing": CASE_ID_MISSING,
            "first_response_median_hours": FIRST_RESPONSE_MEDIAN_H,
            "first_response_sigma": FIRST_RESPONSE_SIGMA,
            "handoff_mean_days": HANDOFF_MEAN_DAYS,
            "handoff_channels": list(HANDOFF_CHANNELS),
            "resolution_median_hours": RESOLUTION_MEDIAN_H,
            "resolution_sigma": RESOLUTION_SIGMA,
            "resolution_note": "lognormal from opened_at; open complaints are censored at as_of",
            "csat_after_response_rate": CSAT_AFTER_RESPONSE,
        },
        "recovery": {
            "action_mix": RECOVERY_ACTION_MIX,
            "failure_by_action": RECOVERY_FAILURE,
            "expected_failure_share_of_complaints": round(failure, 6),
            "offered": RECOVERY_OFFERED,
            "reopen": REOPEN,
            "expected_reopen_share_of_complaints": round(
                failure * REOPEN["failed"] + (1 - failure) * REOPEN["succeeded"], 6
            ),
            "post_recovery_csat": {k: keyed(v) for k, v in POST_RECOVERY_CSAT.items()},
        },
        "churn": {"probability_by_outcome": CHURN, "delay_mean_days": CHURN_DELAY_MEAN_DAYS},
        "cost": {
            "per_minute": COST_PER_MINUTE,
            "per_event": COST_PER_EVENT,
            "handling_median_seconds": HANDLING_MEDIAN_S,
            "self_service_event": SELF_SERVICE_COST,
            "recovery_action": ACTION_COST,
        },
        "activities": {
            "pre_interaction": list(PRE_ACTIVITIES),
            "initial_interaction": sorted({*INITIAL_ACTIVITY.values(), REPEAT_INITIAL_ACTIVITY}),
            "service_delivery": list(DELIVERY_ACTIVITIES),
            "follow_up": [FEEDBACK_REQUEST, SURVEY_ACTIVITY],
            "service_recovery": [*RECOVERY_ACTIVITY.values(), RECOVERY_SURVEY],
            "unmapped": list(UNMAPPED_ACTIVITIES),
        },
    }
