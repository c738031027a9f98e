"""The account picker (a): every configured account with its mode and equity."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tradeterm.domain.book import OrderBook
from tradeterm.domain.enums import AccountMode
from tradeterm.engine.accounts import AccountState
from tradeterm.ui.format import fmt_money
from tradeterm.ui.panes.positions import equity


def account_line(
    account: AccountState, books: Mapping[str, OrderBook], active: bool, venue: bool = False
) -> str:
    """One account: name, mode, (with ``venue``) the venue it trades on, and equity."""
    mode = "LIVE" if account.mode is AccountMode.LIVE else "PAPER"
    if account.mode is AccountMode.LIVE:
        mode += " armed" if account.armed else " disarmed"
    value, unpriced = equity(account, books)
    extra = f" (+{', '.join(unpriced)} unpriced)" if unpriced else ""
    mark = "  ← active" if active else ""
    where = f"{account.spec.venue:<10} " if venue else ""
    money = fmt_money(value, 2, 14)
    return f"{account.name:<14} {mode:<14} {where}equity {money:>14} USDT{extra}{mark}"


class AccountsScreen(ModalScreen[str | None]):
    """Dismisses with the chosen account's name, or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="accounts.close"),
    ]

    def __init__(
        self,
        accounts: Mapping[str, AccountState],
        books: Callable[[str], Mapping[str, OrderBook]],
        active: str,
    ) -> None:
        """``books(venue)``: that venue's books by symbol, to value each account."""
        super().__init__()
        self.accounts = accounts
        self.books = books
        self.active = active

    def compose(self) -> ComposeResult:
        venues = len({a.spec.venue for a in self.accounts.values()}) > 1
        options = [
            Option(account_line(a, self.books(a.spec.venue), name == self.active, venues), id=name)
            for name, a in self.accounts.items()
        ]
        with Vertical(id="accounts-box") as box:
            box.border_title = "Accounts — enter: switch · esc: close"
            yield OptionList(*options, id="accounts-list")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        self.set_focus(options)
        names = list(self.accounts)
        if self.active in names:
            options.highlighted = names.index(self.active)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
