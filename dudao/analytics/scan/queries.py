"""The scan's SQL, written once (DuckDB dialect) and transpiled for a distributed engine (`to_spark`,
sqlglot): each query reads the `marks` table of marks_input.py (pct = mark as a percentage of full) or
the tables built here, and returns the counts a flag's test needs. Parameters are named ($pass_mark,
$tolerance) and are rendered into the text as numbers (`render`), so that the same text runs on every engine.

The marks are read ONCE: the examiners get integer keys (`EXAMINERS`, a dictionary of a few thousand
names), the marks are grouped into papers ONCE (`PAPERS`, the only pass over the marks but for the rare
papers of `LENIENCY_PAIRS`' general branch), and every flag kind is derived from the papers table.
A paper keeps, besides its mean, what the leniency pairs need without lists: its lowest and highest
examiner key with their marks, and the XOR and sum of its keys and marks, from which a paper of two or
three marks yields its pairs exactly (the third examiner is the XOR of the three keys with the other two).
"""

from __future__ import annotations

import re
from typing import Any

# The examiners' integer keys (1..n in the order of their names).
EXAMINERS = """
CREATE OR REPLACE TEMP TABLE examiners AS
SELECT examiner, row_number() OVER (ORDER BY examiner) AS ek
FROM (SELECT DISTINCT examiner FROM marks WHERE examiner IS NOT NULL) AS named
"""

# One row per paper (batch, subject, candidate): its marks' count and mean (the paper's mark for the flags),
# range, and for the leniency pairs the lowest/highest examiner key with their marks, the XOR of the keys and
# the sum of the marks.
PAPERS = """
CREATE OR REPLACE TEMP TABLE papers AS
SELECT m.batch, m.subject, m.candidate,
       any_value(m.institution) AS institution, any_value(m.occupation) AS occupation,
       any_value(m.level) AS level, any_value(m.room) AS room,
       count(*) AS n_marks, avg(m.pct) AS pct, min(m.pct) AS lo, max(m.pct) AS hi,
       count(x.ek) AS n_examiners, min(x.ek) AS e_lo, max(x.ek) AS e_hi, bit_xor(x.ek) AS e_xor,
       arg_min(m.pct, x.ek) AS x_lo, arg_max(m.pct, x.ek) AS x_hi, sum(m.pct) AS x_sum
FROM marks AS m LEFT JOIN examiners AS x ON m.examiner = x.examiner
GROUP BY m.batch, m.subject, m.candidate
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
) AS candidates
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
       array_slice(list_sort(list(candidate) FILTER (WHERE pct >= $pass_mark - 1e-9
                                                     AND pct < $pass_mark + 2 - 1e-9)), 1, 20) AS sample
FROM papers
GROUP BY batch, subject
HAVING count(*) FILTER (WHERE pct >= $pass_mark - 1e-9 AND pct < $pass_mark + 2 - 1e-9) > 0
"""

# leniency: every pair of examiners who marked the same paper (e < o by key), with the weight 1/(n-1) of each
# of the paper's n marks (so each mark weighs 1 against its co-markers): summed weights, weighted differences
# of the marks (e's minus o's) and of their squares. Papers of two or three marks, all by named examiners
# (nearly all papers) give their pairs from the papers table: (lowest, highest), and for three marks the
# middle examiner (XOR of the keys with the other two) and mark (sum with the other two taken off) against
# each. Other papers (more marks, or unnamed markers) join their marks (the general branch).
LENIENCY_PAIRS = """
WITH small AS (
    SELECT institution, n_marks AS n, e_lo, e_hi, xor(xor(e_xor, e_lo), e_hi) AS e_mid,
           x_lo, x_hi, x_sum - x_lo - x_hi AS x_mid
    FROM papers
    WHERE n_marks BETWEEN 2 AND 3 AND n_examiners = n_marks
), general AS (
    SELECT batch, subject, candidate, institution, n_marks AS n
    FROM papers
    WHERE n_marks >= 2 AND (n_marks > 3 OR n_examiners < n_marks)
), general_marks AS (
    SELECT g.batch, g.subject, g.candidate, g.institution, g.n, x.ek, m.pct
    FROM marks AS m
    JOIN general AS g ON m.batch = g.batch AND m.subject = g.subject AND m.candidate = g.candidate
    JOIN examiners AS x ON m.examiner = x.examiner
), pairs AS (
    SELECT institution, n, e_lo AS e, e_hi AS o, x_lo AS x, x_hi AS y FROM small
    UNION ALL
    SELECT institution, n, e_lo, e_mid, x_lo, x_mid FROM small WHERE n = 3
    UNION ALL
    SELECT institution, n, e_mid, e_hi, x_mid, x_hi FROM small WHERE n = 3
    UNION ALL
    SELECT a.institution, a.n, a.ek, b.ek, a.pct, b.pct
    FROM general_marks AS a
    JOIN general_marks AS b
      ON a.batch = b.batch AND a.subject = b.subject AND a.candidate = b.candidate AND a.ek < b.ek
)
SELECT e, o, min(institution) AS institution, sum(1 / CAST(n - 1 AS DOUBLE)) AS w,
       sum((x - y) / CAST(n - 1 AS DOUBLE)) AS d, sum((x - y) * (x - y) / CAST(n - 1 AS DOUBLE)) AS q
FROM pairs
WHERE e <> o
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
    SELECT batch, room, subject, candidate, institution, pct, hi, lo
    FROM papers WHERE subject IN ('practical', 'review') AND n_marks >= 2
), modal AS (
    SELECT batch, room, subject, max(c) AS modal
    FROM (SELECT batch, room, subject, pct, count(*) AS c FROM panel GROUP BY batch, room, subject, pct) AS m
    GROUP BY batch, room, subject
)
SELECT p.batch, p.room, p.subject, any_value(p.institution) AS institution, count(*) AS papers,
       count(*) FILTER (WHERE p.hi = p.lo) AS agreed, any_value(m.modal) AS modal,
       array_slice(list_sort(list(p.candidate) FILTER (WHERE p.hi = p.lo)), 1, 20) AS sample
FROM panel AS p
JOIN modal AS m ON p.batch = m.batch AND p.room = m.room AND p.subject = m.subject
GROUP BY p.batch, p.room, p.subject
"""

# The examiners' names by key (for the leniency flags).
EXAMINER_NAMES = "SELECT ek, examiner FROM examiners"

# The statements run in order to build the tables, and the queries each flag kind reads.
BUILD = (EXAMINERS, PAPERS)
QUERIES = {
    "pass_rate": PASS_RATE,
    "heaping": HEAPING,
    "leniency": LENIENCY_PAIRS,
    "disagreement": DISAGREEMENT,
    "identical": IDENTICAL,
}

_PARAMETER = re.compile(r"\$([a-z_]+)")


def render(sql: str, params: dict[str, Any] | None = None) -> str:
    """`sql` with its $parameters written as numeric literals (every engine reads the same text)."""
    values = params or {}

    def literal(match: re.Match) -> str:
        value = values[match.group(1)]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"parameter {match.group(1)} must be a number")
        return repr(float(value))

    return _PARAMETER.sub(literal, sql)


def to_spark(sql: str, params: dict[str, Any] | None = None) -> str:
    """The same statement in Spark SQL (sqlglot, DuckDB → Spark), with what sqlglot leaves for Spark to
    reject rewritten: quantile_cont(x, p) becomes Spark's exact percentile(x, p) (linear interpolation, as
    DuckDB's), and a temporary table a cached temporary view."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(render(sql, params), read="duckdb")

    def spark_functions(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.PercentileCont) and not isinstance(node.parent, exp.WithinGroup):
            return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
        return node

    return tree.transform(spark_functions).sql(dialect="spark")
