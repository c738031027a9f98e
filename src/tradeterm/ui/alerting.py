"""The app's side of alerts: the alert book checks every trade and every scan; when an alert
fires the user gets a toast, the terminal bell and a desktop notification (the book logs it
and writes the status file)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from tradeterm.analysis.alerts import Alert, AlertBook, AlertError
from tradeterm.domain.events import AlertFired, TradePrinted

if TYPE_CHECKING:
    from tradeterm.analysis.scanner import ScanResult
    from tradeterm.ui.cmdalert import AddAlert
    from tradeterm.ui.host import Host
    from tradeterm.ui.workstation import Workstation

log = logging.getLogger("tradeterm.alerts")

NOTIFY_TITLE = "tradeterm alert"


class Notifier(Protocol):
    """Where a fired alert is announced outside the app (``ui.notify.TerminalNotifier``)."""

    def notify(self, title: str, body: str, *, bell: bool = True) -> bool: ...


class Alerting:
    """Owns the subscriptions that feed the alert book and announces what fires.

    Args:
        host: the app's toasts.
        parts: the workstation (the engine, the dirty flags, the refresh tick).
        book: the user's alerts; it must publish on the engine's bus (the CLI builds it with
            ``engine.bus.publish``). None: alerts live in memory for this session.
        notifier: the desktop notification and bell (None: none sent).
    """

    def __init__(
        self, host: Host, parts: Workstation, book: AlertBook | None, notifier: Notifier | None
    ):
        self.host = host
        self.parts = parts
        engine = parts.engine
        self.book = book or AlertBook(None, None, engine.bus.publish, engine.clock.now_ns)
        self.notifier = notifier
        self._unsubscribe = [
            engine.bus.subscribe(TradePrinted, self.book.on_trade),
            engine.bus.subscribe(AlertFired, self._fired),
        ]

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    @property
    def alerts(self) -> list[Alert]:
        return list(self.book.alerts.values())

    @property
    def watches_scans(self) -> bool:
        """Whether an active indicator alert needs the scanner to run."""
        return any(not a.is_price for a in self.book.active())

    def on_scan(self, result: ScanResult) -> None:
        """Check the indicator alerts against a scan (on the event loop)."""
        try:
            self.book.on_scan(result)
        except OSError as exc:  # the alerts file or the status file cannot be written
            log.error("alerts not saved: %s", exc)

    def add(self, command: AddAlert) -> Alert:
        """Set an alert (saved at once); a file that cannot be written keeps it for the
        session."""
        book = self.book
        try:
            alert = book.add(command.symbol, command.condition, repeat=command.repeat)
        except OSError as exc:  # it was added, then the file could not be written
            alert = list(book.alerts.values())[-1]
            log.error("alert %s set for this session only; not saved: %s", alert.id, exc)
        self._changed()
        what = "repeating alert" if alert.repeat else "alert"
        self.host.notify(f"{what} {alert.id} set: {alert.describe()}", timeout=3)
        return alert

    def find(self, alert_id: str) -> str | None:
        """The id of the alert ``alert_id`` names (any case, the leading ``a`` optional)."""
        wanted = alert_id.lower()
        return next((a for a in self.book.alerts if a.lower() in (wanted, f"a{wanted}")), None)

    def remove(self, alert_id: str) -> Alert:
        """Remove an alert by id (any case, with or without its leading ``a``).

        Raises:
            AlertError: no such alert.
        """
        book = self.book
        found = self.find(alert_id)
        if found is None:
            known = ", ".join(book.alerts) or "none"
            raise AlertError(f"no alert {alert_id!r}; alerts: {known}")
        alert = book.alerts[found]
        try:
            book.remove(found)
        except OSError as exc:  # it was removed, then the file could not be written
            log.error("alert %s removed for this session only; not saved: %s", found, exc)
        log.info("alert %s removed: %s", alert.id, alert.describe())
        self._changed()
        self.host.notify(f"alert {alert.id} removed: {alert.describe()}", timeout=3)
        return alert

    def _changed(self) -> None:
        self.parts.bridge.dirty.add("alerts")
        self.parts.refresher.hurry()

    def _fired(self, event: AlertFired) -> None:
        text = f"{event.symbol} {event.condition} ({event.value})"
        self.host.notify(text, title=f"alert {event.alert_id}", severity="warning", timeout=10)
        if self.notifier is not None:
            try:
                self.notifier.notify(NOTIFY_TITLE, text)
            except OSError as exc:
                log.warning("desktop notification not sent: %s", exc)
        self._changed()
