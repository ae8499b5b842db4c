"""Hand-written DuckDB SQL that the benchmarks measure the library against.

Each query computes exactly what one metric computes, the way an analyst would write it; the
benchmark scripts check that both give the same result before they print a ratio.
"""

FUNNEL_SQL = """
WITH ev AS (
    SELECT case_id, ts, CASE stage WHEN 'pre_interaction' THEN 1 WHEN 'initial_interaction' THEN 2
                      WHEN 'service_delivery' THEN 3 WHEN 'follow_up' THEN 4 END AS k
    FROM interactions
    WHERE stage IN ('pre_interaction', 'initial_interaction', 'service_delivery', 'follow_up')
),
r1 AS (SELECT case_id, min(ts) AS t FROM ev WHERE k = 1 GROUP BY case_id),
r2 AS (SELECT r.case_id, min(e.ts) AS t FROM r1 r JOIN ev e
       ON e.case_id = r.case_id AND e.k = 2 AND e.ts >= r.t GROUP BY r.case_id),
r3 AS (SELECT r.case_id, min(e.ts) AS t FROM r2 r JOIN ev e
       ON e.case_id = r.case_id AND e.k = 3 AND e.ts >= r.t GROUP BY r.case_id),
r4 AS (SELECT r.case_id, min(e.ts) AS t FROM r3 r JOIN ev e
       ON e.case_id = r.case_id AND e.k = 4 AND e.ts >= r.t GROUP BY r.case_id)
SELECT (SELECT count(*) FROM r1), (SELECT count(*) FROM r2),
       (SELECT count(*) FROM r3), (SELECT count(*) FROM r4)
"""

# -- outcome metrics (benchmarks/outcomes.py): default options, no breakdown -------------------
# The as-of time every outcome metric defaults to: the latest timestamp in the data.
_CUTOFF = """cut AS (
    SELECT greatest((SELECT max(ts) FROM interactions), (SELECT max(opened_at) FROM complaints),
                    (SELECT max(first_response_at) FROM complaints),
                    (SELECT max(resolved_at) FROM complaints)) AS t
)"""

SATISFACTION_SQL = """
SELECT count(*), count(*) FILTER (csat IS NOT NULL OR nps IS NOT NULL OR ces IS NOT NULL),
       count(csat), count(*) FILTER (csat >= 4),
       count(nps), count(*) FILTER (nps >= 9), count(*) FILTER (nps <= 6),
       count(ces), sum(ces), sum(ces * ces)
FROM interactions
"""

COST_SQL = """
SELECT count(*), sum(n), sum(c), sum(c * c), sum(unknown)
FROM (SELECT case_id, count(*) AS n, sum(coalesce(cost, 0)) AS c, count(*) - count(cost) AS unknown
      FROM interactions GROUP BY case_id)
"""

# Per area: counts, first response percentiles (hours), resolution, reopening, recurrence (the
# same customer and area again within 90 days; judged when opened 90 days before as-of), cases.
COMPLAINTS_BY_AREA_SQL = f"""
WITH {_CUTOFF},
c AS (SELECT c.* FROM complaints c, cut WHERE opened_at <= cut.t),
rec AS (
    SELECT DISTINCT a.complaint_id
    FROM c a JOIN complaints b
      ON b.customer_id = a.customer_id AND b.category = a.category
     AND (b.opened_at > a.opened_at
          OR (b.opened_at = a.opened_at AND b.complaint_id > a.complaint_id))
     AND epoch_us(b.opened_at) - epoch_us(a.opened_at) <= 90 * 86400000000
)
SELECT category, count(*),
       quantile_cont(epoch_us(first_response_at) - epoch_us(opened_at), 0.5) / 3.6e9,
       quantile_cont(epoch_us(first_response_at) - epoch_us(opened_at), 0.9) / 3.6e9,
       count(*) - count(first_response_at),
       count(*) FILTER (resolved_at <= cut.t),
       count(*) FILTER (resolved_at <= cut.t AND reopened),
       count(*) FILTER (epoch_us(cut.t) - epoch_us(opened_at) >= 90 * 86400000000),
       count(*) FILTER (epoch_us(cut.t) - epoch_us(opened_at) >= 90 * 86400000000
                        AND rec.complaint_id IS NOT NULL),
       (SELECT count(DISTINCT case_id) FROM interactions)
FROM c LEFT JOIN rec USING (complaint_id), cut
GROUP BY category, cut.t ORDER BY category
"""

# Open complaints at each month end after the first opening, and at as-of.
BACKLOG_SQL = f"""
WITH {_CUTOFF},
ends AS (
    SELECT unnest(generate_series(date_trunc('month', (SELECT min(opened_at) FROM complaints))
                                  + INTERVAL 1 MONTH, cut.t, INTERVAL 1 MONTH)) AS e FROM cut
    UNION SELECT t FROM cut
)
SELECT e, count(*) FILTER (opened_at < e AND (resolved_at IS NULL OR resolved_at >= e))
FROM ends, complaints GROUP BY e ORDER BY e
"""

# Kaplan-Meier median time to resolution (hours); open complaints censored at as-of.
RESOLUTION_MEDIAN_SQL = f"""
WITH {_CUTOFF},
d AS (
    SELECT epoch_us(CASE WHEN resolved_at <= cut.t THEN resolved_at ELSE cut.t END)
           - epoch_us(opened_at) AS us, coalesce(resolved_at <= cut.t, false) AS done
    FROM complaints, cut WHERE opened_at <= cut.t
),
times AS (SELECT us, count(*) FILTER (done) AS events, count(*) AS leaving FROM d GROUP BY us),
km AS (
    SELECT us, events, sum(leaving) OVER (ORDER BY us DESC) AS at_risk FROM times
),
curve AS (  -- the product of (1 - d/n), as a sum of logs; 0 once everyone left resolved
    SELECT us, CASE WHEN bool_or(events = at_risk) OVER (ORDER BY us) THEN 0
                    ELSE exp(sum(ln(CASE WHEN events < at_risk THEN 1 - events / at_risk
                                         ELSE 1 END)) OVER (ORDER BY us)) END AS s
    FROM km
)
SELECT (SELECT count(*) FROM d), (SELECT count(*) FILTER (done) FROM d),
       (SELECT min(us) FROM curve WHERE s <= 0.5 + 1e-12) / 3.6e9
"""

# Every case (interactions and complaints) with its recovery flags, as recovery.py defines them:
# top box 4, the model's recovery stage 'service_recovery', a 90-day horizon.
_CASE_OUTCOMES = f"""{_CUTOFF},
ic AS (
    SELECT case_id, min(customer_id) AS customer_id, min(ts) AS start, max(ts) AS finish,
           count(*) AS events,
           count(*) FILTER (coalesce(stage = 'service_recovery', false) = false
                            AND (csat <= 2 OR nps <= 6)) AS low,
           min(ts) FILTER (stage = 'service_recovery') AS rec_ts,
           count(csat) FILTER (stage = 'service_recovery') AS after_n,
           count(*) FILTER (stage = 'service_recovery' AND csat >= 4) AS after_top,
           sum(coalesce(cost, 0)) FILTER (stage = 'service_recovery') AS spent,
           arg_min(csat, (ts, interaction_id)) FILTER (
               csat IS NOT NULL AND coalesce(stage = 'service_recovery', false) = false
           ) AS first_csat
    FROM interactions GROUP BY case_id
),
cc AS (
    SELECT coalesce(case_id, 'complaint:' || complaint_id) AS case_id,
           min(customer_id) AS customer_id, min(opened_at) AS start, max(opened_at) AS finish,
           count(*) AS c_n, count(*) FILTER (resolved_at <= cut.t) AS c_resolved,
           count(*) FILTER (resolved_at <= cut.t AND reopened) AS c_reopened,
           count(csat_after) AS c_after_n, count(*) FILTER (csat_after >= 4) AS c_after_top,
           min(recovery_action) AS action
    FROM complaints, cut WHERE opened_at <= cut.t GROUP BY 1
),
u AS (
    SELECT case_id, least(ic.customer_id, cc.customer_id) AS customer_id,
           coalesce(events, 0) AS events, coalesce(low, 0) AS low, rec_ts,
           coalesce(after_n, 0) AS after_n, coalesce(after_top, 0) AS after_top,
           coalesce(c_n, 0) AS c_n, coalesce(c_resolved, 0) AS c_resolved,
           coalesce(c_reopened, 0) AS c_reopened, coalesce(c_after_n, 0) AS c_after_n,
           coalesce(c_after_top, 0) AS c_after_top, action, coalesce(spent, 0) AS spent,
           coalesce(rec_ts, greatest(ic.finish, cc.finish)) AS anchor
    FROM ic FULL JOIN cc USING (case_id)
),
f AS (
    SELECT *, low > 0 OR c_n > 0 AS dissatisfied,
           rec_ts IS NOT NULL OR (events = 0 AND coalesce(action, 'none') <> 'none') AS step,
           after_n > 0 OR c_after_n > 0 AS sat_known,
           CASE WHEN after_n > 0 THEN after_top > 0 ELSE c_after_top > 0 END AS top,
           epoch_us(cut.t) - epoch_us(anchor) >= 90 * 86400000000 AS ret_judged
    FROM u, cut
),
g AS (
    SELECT *, step AND (sat_known OR c_n > 0) AND c_resolved = c_n AS judged,
           step AND (sat_known OR c_n > 0) AND c_resolved = c_n
           AND (NOT sat_known OR top) AND c_reopened = 0 AS success
    FROM f
)"""

# Among dissatisfied cases: recovered, judged, successes, score after recovery, retention.
RECOVERY_SQL = f"""
WITH {_CASE_OUTCOMES},
nxt AS (
    SELECT g.case_id, min(s.start) AS n_start
    FROM g JOIN ic s ON s.customer_id = g.customer_id AND s.start > g.anchor
                    AND s.case_id <> g.case_id
    WHERE g.step AND g.dissatisfied GROUP BY g.case_id
)
SELECT count(*), count(*) FILTER (step), count(*) FILTER (judged), count(*) FILTER (success),
       count(*) FILTER (step AND sat_known), count(*) FILTER (step AND sat_known AND top),
       count(*) FILTER (step AND ret_judged),
       count(*) FILTER (step AND ret_judged
                        AND epoch_us(n_start) - epoch_us(anchor) <= 90 * 86400000000)
FROM g LEFT JOIN nxt USING (case_id) WHERE dissatisfied
"""

# Recovered cases (dissatisfied or not), the cost of their recovery-stage events, and the
# customers with a successful recovery.
RECOVERY_COST_SQL = f"""
WITH {_CASE_OUTCOMES}
SELECT count(*), sum(spent), count(DISTINCT customer_id) FILTER (success) FROM g WHERE step
"""

# The paradox groups: cases, the next case's first CSAT (count, top box), retention judged and
# retained; the next case is the customer's first later case (ties by case id).
RECOVERY_PARADOX_SQL = f"""
WITH {_CASE_OUTCOMES},
nxt AS (
    SELECT g.case_id, arg_min(s.start, (s.start, s.case_id)) AS n_start,
           arg_min({{'c': s.first_csat}}, (s.start, s.case_id)).c AS n_csat  -- NULL kept
    FROM g JOIN ic s ON s.customer_id = g.customer_id AND s.start > g.anchor
                    AND s.case_id <> g.case_id
    GROUP BY g.case_id
),
grouped AS (
    SELECT CASE WHEN NOT dissatisfied THEN 'no_failure' WHEN success THEN 'recovered'
                WHEN judged THEN 'failed_recovery' WHEN NOT step THEN 'not_recovered' END AS grp,
           n_csat, ret_judged,
           ret_judged AND epoch_us(n_start) - epoch_us(anchor) <= 90 * 86400000000 AS retained
    FROM g LEFT JOIN nxt USING (case_id)
)
SELECT grp, count(*), count(n_csat) FILTER (n_csat BETWEEN 1 AND 5),
       count(*) FILTER (n_csat BETWEEN 4 AND 5), count(*) FILTER (ret_judged),
       count(*) FILTER (retained)
FROM grouped WHERE grp IS NOT NULL GROUP BY grp ORDER BY grp
"""

# CSAT per calendar month (UTC) beside the month before: responses and top-box answers.
SATISFACTION_CHANGE_SQL = """
SELECT n, lag(n) OVER (ORDER BY m), top
FROM (SELECT date_trunc('month', ts) AS m, count(csat) AS n, count(*) FILTER (csat >= 4) AS top
      FROM interactions GROUP BY m)
ORDER BY m OFFSET 1
"""
