"""The tests' clock (issue 7): every test runs at FROZEN_NOW, never at the machine's date.

`tests/conftest.py` starts a ticking `time_machine` travel to this instant before anything is collected,
so module constants, fixtures, factories, the live server and the code under test all see the same
"today". Pick dates relative to `TODAY`, or hard-code dates that make sense against it.

Thursday 2026-12-03: every deadline the suite computes from "today" (at most 20 working days, REN-4)
ends in 2026, whose holiday arrangement is confirmed (CAL-3), so none is provisional. Tests that need a
provisional deadline or another year travel there explicitly (the `time_machine` fixture).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

FROZEN_NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = FROZEN_NOW.date()
