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
