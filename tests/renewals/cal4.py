"""The CAL-4 calendar typed in from DOMAIN.md (independent of the shipped arrangements file)."""

from __future__ import annotations

from dudao.workdays.domain import Calendar, parse_date_list

# DOMAIN.md CAL-4, verbatim ranges: days off beyond weekends, and weekend days worked.
CAL4_TEXT = {
    2024: (
        "2024-01-01; 2024-02-10…2024-02-17; 2024-04-04…2024-04-06; 2024-05-01…2024-05-05; 2024-06-10;"
        " 2024-09-15…2024-09-17; 2024-10-01…2024-10-07",
        "2024-02-04, 2024-02-18, 2024-04-07, 2024-04-28, 2024-05-11, 2024-09-14, 2024-09-29, 2024-10-12",
    ),
    2025: (
        "2025-01-01; 2025-01-28…2025-02-04; 2025-04-04…2025-04-06; 2025-05-01…2025-05-05;"
        " 2025-05-31…2025-06-02; 2025-10-01…2025-10-08",
        "2025-01-26, 2025-02-08, 2025-04-27, 2025-09-28, 2025-10-11",
    ),
    2026: (
        "2026-01-01…2026-01-03; 2026-02-15…2026-02-23; 2026-04-04…2026-04-06; 2026-05-01…2026-05-05;"
        " 2026-06-19…2026-06-21; 2026-09-25…2026-09-27; 2026-10-01…2026-10-07",
        "2026-01-04, 2026-02-14, 2026-02-28, 2026-05-09, 2026-09-20, 2026-10-10",
    ),
}


def cal4_calendar() -> Calendar:
    """2024–2026 confirmed as in CAL-4; every other year falls back (provisional, CAL-3)."""
    return Calendar.from_records(
        {
            year: (parse_date_list(off), parse_date_list(worked), True)
            for year, (off, worked) in CAL4_TEXT.items()
        }
    )


CAL4 = cal4_calendar()
