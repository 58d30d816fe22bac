"""Reading a marks file (CSV with a header row, or Parquet) into the DuckDB table `marks`, with every row
checked; a malformed file is refused with a Chinese message naming the first bad row.

Columns (text ids): institution, batch, occupation, level, subject, room, candidate, examiner, mark, full.
`subject` is theory | practical | review; `mark` and `full` are numbers with 0 ≤ mark ≤ full and full > 0.
Row numbers: for CSV the file line (the header is line 1); for Parquet the record number (from 1).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

COLUMNS = (
    "institution",
    "batch",
    "occupation",
    "level",
    "subject",
    "room",
    "candidate",
    "examiner",
    "mark",
    "full",
)
REQUIRED_TEXT = ("institution", "batch", "subject", "candidate")
SUBJECTS = ("theory", "practical", "review")
COLUMN_NAMES_ZH = {
    "institution": "机构",
    "batch": "批次",
    "occupation": "职业",
    "level": "等级",
    "subject": "科目",
    "room": "考场",
    "candidate": "考生",
    "examiner": "考评员",
    "mark": "成绩",
    "full": "满分",
}


class MarksFileError(Exception):
    """The marks file cannot be used; the message is Chinese and names the row or column."""


def _source(path: Path) -> tuple[str, str]:
    """The DuckDB table expression for `path` and how its rows are numbered for messages."""
    literal = "'" + str(path).replace("'", "''") + "'"
    if path.suffix.lower() == ".parquet":
        return f"read_parquet({literal}, file_row_number = true)", "parquet"
    return f"read_csv({literal}, header = true, all_varchar = true, auto_detect = true)", "csv"


def load(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Check every row of `path` and define the view `marks` over it (CSV is parsed once into a temporary
    table; Parquet is read where it lies); returns the row count. Raises MarksFileError."""
    if not path.is_file():
        raise MarksFileError(f"找不到成绩文件:{path}")
    expression, kind = _source(path)
    try:
        if kind == "csv":
            con.execute(f"CREATE OR REPLACE TEMP TABLE raw_marks AS SELECT * FROM {expression}")
        else:
            con.execute(f"CREATE OR REPLACE TEMP VIEW raw_marks AS SELECT * FROM {expression}")
        names = [row[0] for row in con.execute("DESCRIBE raw_marks").fetchall()]
    except duckdb.Error as exc:
        raise MarksFileError(_read_error(exc)) from None
    by_name = {name.strip().lstrip("\ufeff").lower(): name for name in names}
    missing = [c for c in COLUMNS if c not in by_name]
    if missing:
        raise MarksFileError("成绩文件缺少列:" + "、".join(f"{c}({COLUMN_NAMES_ZH[c]})" for c in missing))
    # by_name's values are header names equal to a column name up to case, spaces and a byte-order mark: no
    # quote can be in them.
    typed = {c: f'CAST("{by_name[c]}" AS VARCHAR)' for c in COLUMNS}
    typed["mark"] = f'TRY_CAST("{by_name["mark"]}" AS DOUBLE)'
    typed["full"] = f'TRY_CAST("{by_name["full"]}" AS DOUBLE)'
    con.execute(
        "CREATE OR REPLACE TEMP VIEW typed_marks AS SELECT "
        + ", ".join(f'{expr} AS "{c}"' for c, expr in typed.items())
        + ", "
        + ", ".join(f'CAST("{by_name[c]}" AS VARCHAR) AS {c}_text' for c in ("mark", "full"))
        + (", file_row_number + 1 AS line" if kind == "parquet" else "")
        + " FROM raw_marks"
    )
    try:
        rows, bad = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {_PROBLEM} IS NOT NULL) FROM typed_marks"
        ).fetchone()
    except duckdb.Error as exc:
        raise MarksFileError(_read_error(exc)) from None
    if bad:
        line, problem = _first_bad_row(con, kind)
        where = f"第 {line} 行" if kind == "csv" else f"第 {line} 条记录"
        raise MarksFileError(f"成绩文件{where}:{problem}")
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW marks AS
        SELECT institution, batch, coalesce(occupation, '') AS occupation, coalesce(level, '') AS level,
               subject, coalesce(room, '') AS room, candidate, nullif(examiner, '') AS examiner,
               mark * 100.0 / "full" AS pct
        FROM typed_marks
        """
    )
    return rows


_CHECKS = " ".join(
    [
        *(f"WHEN coalesce({c}, '') = '' THEN '{COLUMN_NAMES_ZH[c]}({c})为空'" for c in REQUIRED_TEXT),
        f"WHEN subject NOT IN {SUBJECTS} THEN "
        "'科目(subject)“' || subject || '”无效,应为 theory、practical 或 review'",
        "WHEN coalesce(mark_text, '') = '' THEN '成绩(mark)为空'",
        "WHEN mark IS NULL OR NOT isfinite(mark) THEN '成绩(mark)“' || mark_text || '”不是数字'",
        "WHEN coalesce(full_text, '') = '' THEN '满分(full)为空'",
        "WHEN \"full\" IS NULL OR NOT isfinite(\"full\") THEN '满分(full)“' || full_text || '”不是数字'",
        "WHEN \"full\" <= 0 THEN '满分(full)应大于 0'",
        'WHEN mark < 0 OR mark > "full" THEN '
        "'成绩(mark)' || mark_text || ' 不在 0 到满分 ' || full_text || ' 之间'",
    ]
)
_PROBLEM = f"(CASE {_CHECKS} END)"


def _first_bad_row(con: duckdb.DuckDBPyConnection, kind: str) -> tuple[int, str]:
    """The first bad row in file order (slow path, only for a refused file)."""
    if kind == "parquet":
        query = f"SELECT line, {_PROBLEM} FROM typed_marks WHERE {_PROBLEM} IS NOT NULL ORDER BY line LIMIT 1"
        return con.execute(query).fetchone()
    # CSV: the parsed rows are numbered in the file's order on one thread (the header is line 1)
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    try:
        return con.execute(
            f"""SELECT line, problem FROM (
                    SELECT row_number() OVER () + 1 AS line, {_PROBLEM} AS problem FROM typed_marks
                ) WHERE problem IS NOT NULL ORDER BY line LIMIT 1"""
        ).fetchone()
    finally:
        con.execute(f"SET threads = {threads}")


def _read_error(exc: Exception) -> str:
    """DuckDB's reader message in Chinese where it names a line (a CSV row with a wrong number of fields)."""
    match = re.search(r"Line:\s*(\d+)", str(exc))
    if match:
        return f"成绩文件第 {match.group(1)} 行:格式错误(字段数与表头不一致或引号不配对)"
    return f"无法读取成绩文件(应为带表头的 CSV 或 Parquet):{_first_line(exc)}"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
