"""Data comparison (数据比对, seed 001 art. 14, RAND-1): statistical flags over examiner marks.

One engine: the marks are a table in an in-process DuckDB (read from CSV or Parquet), the flags are SQL
(`queries.py`) plus exact tests and false-discovery-rate control (`tests.py`), assembled in `flags.py`.
Pure: no Django database, no network.
"""
