"""The scan's SQL on Apache Spark: the same queries (queries.py, DuckDB dialect) transpiled to Spark SQL with
sqlglot, run by a SparkSession, the flags computed by the same code as in-process (flags.scan_tables).

Used by the DuckDB ↔ Spark comparison test and by a deployment that scans national data on a cluster
(docs/scale.md). pyspark is not a dependency of the product: install the `spark` extra (and a Java runtime)
where it runs.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from . import queries

MARKS_SCHEMA = (
    "institution STRING, batch STRING, occupation STRING, level STRING, subject STRING, room STRING, "
    "candidate STRING, examiner STRING, pct DOUBLE"
)
# The columns of the `marks` table every query reads (marks_input.py builds it in DuckDB).
MARKS_COLUMNS = [c.split()[0] for c in MARKS_SCHEMA.split(", ")]

# On a cluster the marks are read where they lie (a snapshot partitioned by province and year): the same
# columns as marks_input.py's view, the checks of marks_input.py having run when the snapshot was written.
MARKS_VIEW = """
CREATE OR REPLACE TEMPORARY VIEW marks AS
SELECT institution, batch, coalesce(occupation, '') AS occupation, coalesce(level, '') AS level, subject,
       coalesce(room, '') AS room, candidate, nullif(examiner, '') AS examiner,
       CAST(mark AS DOUBLE) * 100 / CAST(`full` AS DOUBLE) AS pct
FROM parquet.`{path}`
"""


class SparkEngine:
    """Runs the scan's statements on `spark` (a SparkSession): each is transpiled from DuckDB's dialect; the
    tables the statements build become cached temporary views."""

    def __init__(self, spark: Any):
        self.spark = spark

    def execute(self, sql: str) -> None:
        statement = queries.to_spark(sql)
        self.spark.sql(statement)
        view = _created_view(statement)
        if view:
            self.spark.catalog.cacheTable(view)

    def rows(self, sql: str) -> list[dict[str, Any]]:
        return [row.asDict(recursive=True) for row in self.spark.sql(queries.to_spark(sql)).collect()]

    def columns(self, sql: str) -> dict[str, np.ndarray]:
        frame = self.spark.sql(queries.to_spark(sql))
        rows = frame.collect()
        return {
            name: np.array([row[name] for row in rows], dtype=object if kind == "string" else None)
            for name, kind in frame.dtypes
        }


def _created_view(statement: str) -> str | None:
    words = statement.split()
    if words[:3] == ["CREATE", "TEMPORARY", "VIEW"]:
        return words[3]
    if words[:5] == ["CREATE", "OR", "REPLACE", "TEMPORARY", "VIEW"]:
        return words[5]
    return None


def marks_from_duckdb(spark: Any, con: duckdb.DuckDBPyConnection) -> None:
    """The checked `marks` of a DuckDB connection (marks_input.load) as Spark's temporary view `marks`: both
    engines then read the very same rows."""
    rows = con.execute(f"SELECT {', '.join(MARKS_COLUMNS)} FROM marks").fetchall()
    spark.createDataFrame(rows, MARKS_SCHEMA).createOrReplaceTempView("marks")


def marks_from_parquet(spark: Any, path: str) -> None:
    """The view `marks` over a Parquet snapshot (a file or a partitioned directory) on the cluster."""
    spark.sql(MARKS_VIEW.format(path=path.replace("`", "")))
