"""Reading exported workbooks back in tests (python-calamine)."""

from __future__ import annotations

import io

import python_calamine


def sheet_rows(response) -> list[list]:
    """Rows of the first sheet of an .xlsx response, header first."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_index(0).to_python()


def column(rows: list[list], header: str) -> list:
    """The values under `header` (data rows only)."""
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]
