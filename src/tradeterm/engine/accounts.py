"""Account state: balances, positions, orders and fills of one account."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from tradeterm.domain.account import Balance, Position
from tradeterm.domain.enums import AccountMode, FillModel, TradingState
from tradeterm.domain.fills import Fill
from tradeterm.domain.orders import Order
from tradeterm.engine.balance_stamps import BalanceStamps
from tradeterm.engine.risk_rules import RiskLimits


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """How an account is set up (from config): its venue and, for paper, its starting funds."""

    name: str
    mode: AccountMode = AccountMode.PAPER
    venue: str = ""
    """The venue it trades on; empty: the engine's first feed's."""
    balances: Mapping[str, Decimal] = field(default_factory=dict)
    fill_model: FillModel = FillModel.REALISTIC
    latency_ms: int = 50
    disarm_after_s: float = 900.0
    """A live account disarms itself after this long without a key press."""
    risk: RiskLimits = field(default_factory=RiskLimits)
    """The risk manager's limits for this account (none by default)."""


@dataclass(slots=True)
class AccountState:
    """What the engine knows about one account right now."""

    spec: AccountSpec
    balances: dict[str, Balance] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    fills: deque[Fill] = field(default_factory=lambda: deque(maxlen=500))
    armed: bool = False
    trading_state: TradingState = TradingState.ACTIVE
    state_reason: str = ""
    """Who set the trading state and why ("by the user", a risk rule's numbers)."""
    reconciling: bool = False
    """A live account's ledger and exchange are being compared: no new orders until the
    user leaves the reconciliation screen."""
    stamps: BalanceStamps = field(default_factory=BalanceStamps)
    """A live account: when the exchange last set each asset's total (see balance_stamps)."""

    @classmethod
    def from_spec(cls, spec: AccountSpec) -> AccountState:
        state = cls(spec)
        state.reset()
        return state

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def mode(self) -> AccountMode:
        return self.spec.mode

    def reset(self) -> None:
        """Back to the starting balances, with no positions, orders or fills."""
        self.balances = {a: Balance(a, total=q) for a, q in self.spec.balances.items()}
        self.positions.clear()
        self.orders.clear()
        self.fills.clear()
        self.stamps = BalanceStamps()

    def balance(self, asset: str) -> Balance:
        bal = self.balances.get(asset)
        if bal is None:
            bal = self.balances[asset] = Balance(asset)
        return bal

    def position(self, symbol: str) -> Position:
        pos = self.positions.get(symbol)
        if pos is None:
            pos = self.positions[symbol] = Position(symbol)
        return pos

    def open_orders(self) -> list[Order]:
        return [o for o in self.orders.values() if o.is_open]
