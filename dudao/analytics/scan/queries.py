"""The scan's SQL, written once (DuckDB dialect, plain enough to transpile): each query reads the `marks`
table of marks_input.py (pct = mark as a percentage of full) or the `papers` table built here, and returns
the counts a flag's test needs. Parameters are named ($pass_mark, $tolerance)."""

from __future__ import annotations

# One row per paper (batch, subject, candidate): its marks and their mean (the paper's mark for the flags).
PAPERS = """
CREATE OR REPLACE TEMP TABLE papers AS
SELECT batch, subject, candidate,
       any_value(institution) AS institution, any_value(occupation) AS occupation,
       any_value(level) AS level, any_value(room) AS room,
       count(*) AS n_marks, avg(pct) AS pct, min(pct) AS lo, max(pct) AS hi,
       list(examiner) AS examiners, list(pct) AS marks
FROM marks
GROUP BY batch, subject, candidate
"""

# pass_rate: candidates and passes per institution, occupation and level (a candidate passes when every
# subject's paper reaches the pass mark: EXAM-7).
PASS_RATE = """
SELECT institution, occupation, level, count(*) AS n, count(*) FILTER (WHERE passed) AS k
FROM (
    SELECT batch, candidate, any_value(institution) AS institution, any_value(occupation) AS occupation,
           any_value(level) AS level, bool_and(pct >= $pass_mark - 1e-9) AS passed
    FROM papers
    GROUP BY batch, candidate
)
GROUP BY institution, occupation, level
"""

# heaping: per batch and subject, the papers of the zone [pm-4, pm+2) and those of it at the pass mark
# [pm, pm+2), with the batch's robust centre and spread (median, interquartile range) to predict the share.
HEAPING = """
SELECT batch, subject, any_value(institution) AS institution, count(*) AS papers,
       count(*) FILTER (WHERE pct >= $pass_mark - 4 - 1e-9 AND pct < $pass_mark + 2 - 1e-9) AS zone,
       count(*) FILTER (WHERE pct >= $pass_mark - 1e-9 AND pct < $pass_mark + 2 - 1e-9) AS at_mark,
       median(pct) AS centre,
       quantile_cont(pct, 0.75) - quantile_cont(pct, 0.25) AS iqr,
       list(candidate ORDER BY candidate) FILTER (WHERE pct >= $pass_mark - 1e-9
                                                  AND pct < $pass_mark + 2 - 1e-9)[1:20] AS sample
FROM papers
GROUP BY batch, subject
HAVING count(*) FILTER (WHERE pct >= $pass_mark - 1e-9 AND pct < $pass_mark + 2 - 1e-9) > 0
"""

# leniency: every ordered pair of examiners who marked the same paper, with the weight 1/(n-1) of each of
# the paper's n marks (so each mark weighs 1 against its co-markers): summed weights, weighted differences
# of the marks and of their squares. The paper's marks are in its lists, so no join back to the marks.
LENIENCY_PAIRS = """
WITH marked AS (
    SELECT institution, unnest(examiners) AS e, unnest(marks) AS x, unnest(range(n_marks)) AS i,
           examiners, marks, n_marks AS n
    FROM papers WHERE n_marks >= 2
), pairs AS (
    SELECT institution, e, x, i, n, unnest(examiners) AS o, unnest(marks) AS y, unnest(range(n)) AS j
    FROM marked
)
SELECT e, o, any_value(institution) AS institution, sum(1.0 / (n - 1)) AS w, sum((x - y) / (n - 1)) AS d,
       sum((x - y) * (x - y) / (n - 1)) AS q
FROM pairs
WHERE i <> j AND e IS NOT NULL AND o IS NOT NULL AND e <> o
GROUP BY e, o
"""

# disagreement: double-marked theory papers per batch whose marks differ by more than the tolerance (or that
# carry a third mark): EXAM-16.
DISAGREEMENT = """
SELECT batch, subject, any_value(institution) AS institution, count(*) AS papers,
       count(*) FILTER (WHERE n_marks >= 3 OR hi - lo > $tolerance + 1e-9) AS disagreed
FROM papers
WHERE subject = 'theory' AND n_marks >= 2
GROUP BY batch, subject
"""

# identical: panels (practical, review) per batch and room — papers whose members all gave the same mark,
# and the most frequent paper mark (the same mark for most candidates).
IDENTICAL = """
WITH panel AS (
    SELECT * FROM papers WHERE subject IN ('practical', 'review') AND n_marks >= 2
), modal AS (
    SELECT batch, room, subject, max(c) AS modal
    FROM (SELECT batch, room, subject, pct, count(*) AS c FROM panel GROUP BY batch, room, subject, pct)
    GROUP BY batch, room, subject
)
SELECT p.batch, p.room, p.subject, any_value(p.institution) AS institution, count(*) AS papers,
       count(*) FILTER (WHERE p.hi = p.lo) AS agreed, any_value(m.modal) AS modal,
       list(p.candidate ORDER BY p.candidate) FILTER (WHERE p.hi = p.lo)[1:20] AS sample
FROM panel p JOIN modal m USING (batch, room, subject)
GROUP BY p.batch, p.room, p.subject
"""
