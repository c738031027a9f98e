"""Recording from the workstation: ctrl+r starts a real recorder (REC in the status bar),
the market and the user's orders go to the file, ctrl+r (or quitting) stops and saves it,
and the file reads back as a recording."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.ui.conftest import Rig, build_rig
from tests.ui.trading_kit import notifications
from tradeterm.domain.commands import PlaceOrder
from tradeterm.domain.enums import OrderStatus, OrderType, Side
from tradeterm.domain.events import BookChanged, OrderUpdated, TradePrinted
from tradeterm.venues.replay import Recorder, RecordingReader

WIDE = (160, 48)


def recording_rig(tmp_path: Path, target: Path) -> Rig:
    holder: dict[str, Rig] = {}

    def recorder() -> Recorder:
        return Recorder(holder["rig"].engine, target)

    rig = build_rig(paper_dir=tmp_path, recorder=recorder)
    holder["rig"] = rig
    return rig


def status_line(rig: Rig) -> str:
    return rig.app.status.render_line(0).text


async def test_ctrl_r_records_the_market_and_own_orders_and_saves(tmp_path: Path) -> None:
    target = tmp_path / "recordings" / "session.ndjson.gz"
    rig = recording_rig(tmp_path, target)
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.pause(0.1)
        assert "REC" not in status_line(rig)
        await pilot.press("ctrl+r")
        await pilot.pause(0.1)
        assert rig.app.recording.active and "● REC" in status_line(rig)
        assert any("recording to" in n and str(target) in n for n in notifications(rig))
        rig.feed.step(rig.engine, 50)
        order = PlaceOrder(
            "BTC/USDT", Side.BUY, OrderType.LIMIT, qty=Decimal("0.01"), price=Decimal("60000")
        )
        placed = await rig.engine.place(order)
        await rig.settle(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause(0.1)
        assert not rig.app.recording.active and "REC" not in status_line(rig)
        assert any("recording saved" in n for n in notifications(rig))
    reader = RecordingReader(target)
    events = [event for _, event in reader]
    assert reader.header["venue"] == "sim" and not reader.issues
    assert any(isinstance(e, BookChanged) for e in events)
    assert any(isinstance(e, TradePrinted) for e in events)
    updates = [e.order for e in events if isinstance(e, OrderUpdated)]
    assert {(o.client_id, o.price) for o in updates} == {(placed.client_id, Decimal(60000))}
    assert updates[-1].status is OrderStatus.OPEN


async def test_quitting_while_recording_saves_a_complete_file(tmp_path: Path) -> None:
    target = tmp_path / "session.ndjson.gz"
    rig = recording_rig(tmp_path, target)
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("ctrl+r")
        rig.feed.step(rig.engine, 20)
        await pilot.press("q")
    reader = RecordingReader(target)
    assert sum(1 for _ in reader) > 20 and not reader.issues


async def test_a_file_that_exists_is_not_overwritten_and_the_user_is_told(
    tmp_path: Path,
) -> None:
    target = tmp_path / "taken.ndjson.gz"
    target.write_bytes(b"precious")
    rig = recording_rig(tmp_path, target)
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause(0.1)
        assert not rig.app.recording.active and "REC" not in status_line(rig)
        assert any("recording not started" in n and "exists" in n for n in notifications(rig))
    assert target.read_bytes() == b"precious"


async def test_without_a_recorder_the_key_says_so(tmp_path: Path) -> None:
    rig = build_rig()
    async with rig.app.run_test(size=WIDE) as pilot:
        await pilot.press("ctrl+r")
        assert any("not available" in n for n in notifications(rig))
