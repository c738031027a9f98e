"""The workstation keeps the notices it showed: the last few, oldest first, with their
severity, readable through ``TradetermApp.notices``."""

from __future__ import annotations

from tests.ui.conftest import build_rig
from tradeterm.ui.notices import Notice, NoticeLog


def test_the_log_keeps_the_newest_notices_oldest_first() -> None:
    log = NoticeLog(size=3)
    for i in range(5):
        log.add(Notice(f"n{i}"))
    assert [n.message for n in log.shown] == ["n2", "n3", "n4"]


async def test_the_app_keeps_what_it_told_the_user() -> None:
    rig = build_rig()
    app = rig.app
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        before = len(app.notices)
        app.notify("disk almost full", title="ledger", severity="warning", timeout=0.01)
        await pilot.pause(0.1)  # the toast has expired; what it said is still known
        assert app.notices[before:] == (Notice("disk almost full", "ledger", "warning"),)
