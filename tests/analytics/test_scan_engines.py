"""One SQL, two engines (issue 13 item 4): the scan's queries transpile to Spark SQL, the leniency pairs
taken from the papers table equal the pairs counted mark by mark, and — where Java and pyspark are
installed — Spark in local mode gives the same flags as DuckDB on the same marks."""

from __future__ import annotations

import importlib.util
import itertools
import math
import random
import shutil
from pathlib import Path

import duckdb
import pytest
import sqlglot

from bench.analytics_data import generate, write
from dudao.analytics.scan import queries
from dudao.analytics.scan.flags import DuckDBEngine, Thresholds, scan, scan_tables
from dudao.analytics.scan.marks_input import load

from .test_scan_flags import write as write_rows

PARAMS = {"pass_mark": 60, "tolerance": 10}


# ---------------------------------------------------------------------------------------------- transpile
def spark(sql: str) -> str:
    return queries.to_spark(sql, PARAMS)


@pytest.mark.parametrize("sql", [*queries.BUILD, *queries.QUERIES.values()])
def test_every_statement_transpiles_and_reads_back_as_spark_sql(sql):
    text = spark(sql)
    assert "$" not in text
    assert sqlglot.parse_one(text, read="spark")  # valid Spark SQL for sqlglot's own parser


def test_the_functions_that_differ_are_rewritten():
    heaping = spark(queries.HEAPING)
    assert "PERCENTILE(pct, 0.75) - PERCENTILE(pct, 0.25)" in heaping  # quantile_cont: exact in both
    assert "MEDIAN(pct)" in heaping
    assert "SLICE(ARRAY_SORT(COLLECT_LIST(candidate) FILTER(WHERE pct >= 60.0 - 1e-9" in heaping
    papers = spark(queries.PAPERS)
    assert papers.startswith("CREATE TEMPORARY VIEW papers AS SELECT")
    assert "MIN_BY(m.pct, x.ek) AS x_lo, MAX_BY(m.pct, x.ek) AS x_hi" in papers  # arg_min / arg_max
    assert "BIT_XOR(x.ek) AS e_xor" in papers
    assert "ANY_VALUE(m.institution) IGNORE NULLS" in papers
    assert "e_xor ^ e_lo ^ e_hi AS e_mid" in spark(queries.LENIENCY_PAIRS)  # xor() becomes ^
    assert "hi - lo > 10.0 + 1e-9" in spark(queries.DISAGREEMENT)


def test_parameters_are_numbers_only():
    assert queries.render("SELECT $pass_mark", {"pass_mark": 61}) == "SELECT 61.0"
    with pytest.raises(TypeError):
        queries.render("SELECT $pass_mark", {"pass_mark": "60; DROP TABLE marks"})
    with pytest.raises(KeyError):
        queries.render("SELECT $pass_mark", {})


# ------------------------------------------------------------------------------------ leniency pairs exact
def brute_force_pairs(rows: list[list]) -> dict[tuple[str, str], tuple[float, float, float]]:
    """Every ordered pair of different named examiners on one paper, each mark weighing 1/(n-1), n the
    paper's marks (named or not): summed weight, difference and squared difference, e < o."""
    papers: dict[tuple, list[tuple]] = {}
    for r in rows:
        papers.setdefault((r[1], r[4], r[6]), []).append((r[7] or None, r[8] * 100.0 / r[9]))
    out: dict[tuple[str, str], list[float]] = {}
    for marks in papers.values():
        n = len(marks)
        for (e, x), (o, y) in itertools.permutations(marks, 2):
            if e is None or o is None or e >= o:
                continue
            acc = out.setdefault((e, o), [0.0, 0.0, 0.0])
            acc[0] += 1 / (n - 1)
            acc[1] += (x - y) / (n - 1)
            acc[2] += (x - y) ** 2 / (n - 1)
    return {k: tuple(v) for k, v in out.items()}


def test_leniency_pairs_from_the_papers_table_equal_the_marks_counted_one_by_one(tmp_path):
    """Papers of 1 to 5 marks, unnamed markers, an examiner marking one paper twice: the pairs of two- and
    three-mark papers come from the papers table (lowest, highest, XOR), the rest from the general branch."""
    rng = random.Random(7)
    examiners = [f"E{i}" for i in range(8)]
    rows = []
    for p in range(400):
        n = rng.choice((1, 2, 2, 3, 3, 4, 5))
        for _ in range(n):
            who = rng.choice([*examiners, ""]) if p % 7 == 0 else rng.choice(examiners)
            mark = rng.randint(30, 100)
            rows.append(["I", f"B{p % 5}", "电工", "3", "theory", "", f"C{p}", who, mark, 100])
    con = duckdb.connect()
    load(con, write_rows(tmp_path, rows))
    engine = DuckDBEngine(con)
    for statement in queries.BUILD:
        engine.execute(queries.render(statement))
    names = {r["ek"]: r["examiner"] for r in engine.rows(queries.EXAMINER_NAMES)}
    got = {
        (names[r["e"]], names[r["o"]]): (r["w"], r["d"], r["q"])
        for r in engine.rows(queries.render(queries.LENIENCY_PAIRS))
    }
    general = con.execute("SELECT count(*) FROM papers WHERE n_marks > 3 OR n_examiners < n_marks").fetchone()
    assert general[0] > 0  # the general branch is exercised too
    expected = brute_force_pairs(rows)
    assert got.keys() == expected.keys()
    for key, values in expected.items():
        assert got[key] == pytest.approx(values, rel=1e-12, abs=1e-9)


# --------------------------------------------------------------------------------------- DuckDB ↔ Spark
def _spark_missing() -> str | None:
    if shutil.which("java") is None:
        return "Java is not installed (Debian package openjdk-17-jre-headless): Spark comparison skipped"
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (the `spark` extra, `make spark-test`): Spark comparison skipped"
    return None


def marks_with_every_case(tmp_path: Path) -> Path:
    """Seeded marks with every kind planted, plus review panels of four and unnamed markers (the general
    branch of the leniency pairs)."""
    frame, _ = generate(60_000, seed=5, plant=True)
    path = write(frame, tmp_path / "marks.csv")
    rng = random.Random(3)
    with path.open("a", encoding="utf-8") as out:
        for c in range(60):
            for k in range(4):
                examiner = "" if c % 10 == 0 and k == 3 else f"E{k:06d}"
                mark = 70 + (8 if k == 0 else 0) + rng.randint(-2, 2)
                out.write(f"I00000,B000000,O0,3,review,R9,R{c:04d},{examiner},{mark},100\n")
    return path


def compare(a, b, where: str = "") -> None:
    if isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300) or (a == 0 and abs(b) < 1e-300), where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            compare(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            compare(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def test_spark_gives_the_same_flags_as_duckdb(tmp_path):
    missing = _spark_missing()
    if missing:
        pytest.skip(missing)
    from pyspark.sql import SparkSession

    from dudao.analytics.scan.spark import SparkEngine, marks_from_duckdb

    path = marks_with_every_case(tmp_path)
    expected = scan(path)["flags"]
    assert {f["kind"] for f in expected} == {"pass_rate", "heaping", "leniency", "disagreement", "identical"}
    session = (
        SparkSession.builder.master("local[2]")
        .appName("dudao-scan-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    try:
        con = duckdb.connect()
        load(con, path)
        marks_from_duckdb(session, con)
        got = scan_tables(SparkEngine(session), Thresholds())
    finally:
        session.stop()
    assert [(f["kind"], f["institution"], f["batch"], f["examiner"]) for f in got] == [
        (f["kind"], f["institution"], f["batch"], f["examiner"]) for f in expected
    ]
    for g, e in zip(got, expected, strict=True):
        compare(g, e, f"{e['kind']} {e['institution']} {e['batch']} {e['examiner']}")
