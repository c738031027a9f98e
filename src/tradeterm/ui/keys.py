"""The workstation's key bindings, each with an id so users can remap it in config.

App-wide keys are ``APP_BINDINGS``; keys that act on one pane live in that pane's list here
(the widgets import them), so the help screen can list every binding with its id.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding

from tradeterm.ui.panes.registry import PANES

APP_BINDINGS: list[Binding] = [
    Binding("question_mark", "help", "Help", id="help"),
    Binding("slash", "symbol_search", "Symbol", id="symbol_search"),
    Binding("colon", "command_line", "Command", id="command_line", key_display=":"),
    Binding("b", "ticket('buy')", "Buy", id="order.buy"),
    Binding("s", "ticket('sell')", "Sell", id="order.sell"),
    Binding("C", "cancel_all", "Cancel all", show=False, id="orders.cancel_all"),
    Binding("K", "kill", "Kill switch", show=False, id="kill"),
    Binding("h", "order_history", "History", show=False, id="orders.history"),
    Binding("a", "accounts", "Account", id="accounts"),
    Binding("left_square_bracket", "group(-1)", "Finer", id="ladder.finer", key_display="["),
    Binding("right_square_bracket", "group(1)", "Coarser", id="ladder.coarser", key_display="]"),
    Binding("t", "cycle_theme", "Theme", show=False, id="theme"),
    Binding("l", "cycle_log_level", "Log level", show=False, id="log_level"),
    *(
        Binding(p.key, f"focus_pane('{p.id}')", p.label, show=False, id=f"focus.{p.id}")
        for p in PANES
    ),
    Binding("ctrl+r", "toggle_recording", "Record", show=False, id="record"),
    Binding("q", "quit", "Quit", id="quit"),
]
#: Workstation keys act the moment the app takes them, before the next key of the same burst
#: (priority bindings): what one opens has the focus when the next key is handed out. They
#: yield to a text field that has the focus (``TradetermApp.check_action``).
APP_BINDINGS = [replace(binding, priority=True) for binding in APP_BINDINGS]

LADDER_BINDINGS: list[Binding] = [
    Binding("up,k", "cursor(-1)", "Cursor up", show=False, id="ladder.cursor_up"),
    Binding("down,j", "cursor(1)", "Cursor down", show=False, id="ladder.cursor_down"),
    Binding("escape", "clear_cursor", "Clear cursor", show=False, id="ladder.clear_cursor"),
    Binding("plus,equals_sign", "move_order(1)", "Tick up", id="ladder.tick_up", key_display="+"),
    Binding("minus", "move_order(-1)", "Tick down", id="ladder.tick_down", key_display="-"),
]

ORDERS_BINDINGS: list[Binding] = [
    Binding("e", "edit", "Edit", id="orders.edit", priority=True),  # its screen takes a burst
    Binding("c", "cancel", "Cancel", id="orders.cancel"),
    Binding("plus,equals_sign", "move(1)", "Tick up", id="orders.tick_up", key_display="+"),
    Binding("minus", "move(-1)", "Tick down", id="orders.tick_down", key_display="-"),
]

FILLS_BINDINGS: list[Binding] = [
    Binding("x", "export", "Export CSV", id="fills.export"),
]

POSITIONS_BINDINGS: list[Binding] = [
    Binding("X", "close_position", "Close position", id="positions.close"),
]

SCANNER_BINDINGS: list[Binding] = [
    Binding("f", "filter", "Filter", id="scanner.filter", priority=True),  # as APP_BINDINGS
    Binding("w", "why", "Why score", id="scanner.why", priority=True),  # as APP_BINDINGS
]

ALERTS_BINDINGS: list[Binding] = [
    Binding("d,delete", "remove", "Remove alert", id="alerts.remove"),
]

STRATEGIES_BINDINGS: list[Binding] = [
    Binding("p", "act('pause')", "Pause strategy", id="strategies.pause"),
    Binding("u", "act('resume')", "Resume strategy", id="strategies.resume"),
    Binding("x,d", "act('stop')", "Stop strategy (asks about its orders)", id="strategies.stop"),
    # the form takes the keys of the same burst
    Binding("n", "act('new')", "New strategy (form)", id="strategies.new", priority=True),
    Binding("v", "act('log')", "Strategy's log lines", id="strategies.log"),
]

FILTER_BINDINGS: list[Binding] = [
    Binding("enter", "keep", "Keep filter", id="filter.keep"),
    Binding("escape", "clear", "Clear filter", id="filter.clear"),
]

#: Help sections for pane keys that have ids: (title, bindings).
PANE_BINDINGS: list[tuple[str, list[Binding]]] = [
    ("Order book (1)", LADDER_BINDINGS),
    ("Positions (4)", POSITIONS_BINDINGS),
    ("Open orders (6)", ORDERS_BINDINGS),
    ("Fills (7)", FILLS_BINDINGS),
    ("Scanner (3)", SCANNER_BINDINGS),
    ("Scanner filter line (f)", FILTER_BINDINGS),
    ("Alerts (9)", ALERTS_BINDINGS),
    ("Strategies (0)", STRATEGIES_BINDINGS),
]

#: Help-screen sections: (title, [(keys, description)]) for keys without ids.
PANE_KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Tables",
        [
            ("↑ ↓ j k  PgUp PgDn  Home End", "move the cursor"),
            ("enter / click", "choose the row (scanner: make the symbol active)"),
            ("> <  / click a header", "sort by the next / previous column"),
            ("r", "reverse the sort"),
        ],
    ),
    (
        "Order ticket (b s)",
        [
            ("tab / shift+tab", "next / previous field"),
            ("← → space", "change a choice (side, type, time in force, post, reduce)"),
            ("enter", "send the order (nothing is sent while the preview lists a problem)"),
            ("esc", "close without sending"),
        ],
    ),
    (
        "Command line (:)",
        [
            ("enter", "run the command; an error stays under the line to fix"),
            ("↑ ↓", "recall earlier commands"),
            ("esc", "close the command line"),
        ],
    ),
    (
        "Log",
        [
            ("↑ ↓ PgUp PgDn / wheel", "scroll back"),
            ("end", "follow new entries again"),
        ],
    ),
    (
        "Anywhere",
        [
            ("ctrl+p", "command palette: every action by name (type an order to run it)"),
            ("tab / shift+tab", "move focus between panes"),
        ],
    ),
]

#: The command line's grammar as the help screen shows it (see ui/commandline.py).
GRAMMAR: list[tuple[str, str]] = [
    ("buy 0.5 ETH/USDT @ 3100", "limit order (SYMBOL defaults to the active one)"),
    ("sell $250 BTC/USDT", "market order sized in quote currency (no @ = market)"),
    (
        "buy 1 SOL/USDT @ 160 stop 158",
        "stop-limit: when the price rises to 158, buy at 160 or less",
    ),
    ("sell 1 stop 140", "stop-market (stop without @)"),
    ("sell 1 trail 5", "trailing stop, 5 below the best price since placing"),
    ("buy 1 @ 150 tp 160 sl 145", "bracket: exits placed once the entry fills"),
    ("... ioc|fok|gtc post", "time in force, post-only (limit orders)"),
    ("sell 1 SOL/USDT @ 160 reduce", "reduce-only: only shrinks the position, never flips it"),
    ("sell all ETH/USDT · sell 50%", "a share of the position, rounded down to the lot"),
    ("buy 25% SOL/USDT", "a share of the free quote balance"),
    ("buy 2 ETH/USDT twap 10m · sell $5000 BTC/USDT vwap 30m", "market orders spread over time"),
    ("close · close SYMBOL|all · flatten", "close at market, reduce-only (all: every position)"),
    ("oco sell 1 SOL/USDT tp 160 sl 140", "exit pair: one cancels the other"),
    ("cancel all|ID|ETH* · cancel all sells", "cancel orders (ids in the orders pane), or a side"),
    ("amend ID @ 3101 qty 0.4", "change price and/or quantity"),
    ("account NAME", "switch account"),
    ("symbol SYMBOL  (or: ethusdt)", "make a symbol active"),
    ("reset", "paper account back to its starting balances (asks first)"),
    ("halt · reduce · resume", "no new orders · only orders that shrink a position · trade"),
    ("alert BTC/USDT > 70000", "price alert: > >= < <= on the last trade price"),
    ("alert ETH/USDT rsi < 25", "indicator alert: any scanner filter, checked on each scan"),
    ("alert repeat SOL/USDT vol_z > 3", "fires again each time it turns true again"),
    ("alerts · unalert ID", "show the alerts pane (9) · remove an alert"),
    ("backtest sma_cross fast=10 slow=30", "backtest the active symbol's candles: figures, chart"),
    ("help", "this screen"),
    ("numbers", "0.5  1,500  1.5k  2m  $500 (quote value)"),
]


def describe_keys(keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    """(id, key(s) as the user has them, description) for every app binding."""
    return describe_bindings(APP_BINDINGS, keymap)


def describe_bindings(
    bindings: list[Binding], keymap: dict[str, str]
) -> list[tuple[str, str, str]]:
    """(id, key(s) as the user has them, description) for ``bindings``."""
    rows = []
    for binding in bindings:
        keys = keymap.get(binding.id or "", binding.key)
        display = binding.key_display if binding.id not in keymap and binding.key_display else keys
        rows.append((binding.id or binding.action, _pretty(display), binding.description))
    return rows


def _pretty(keys: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "colon": ":",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "greater_than_sign": ">",
        "less_than_sign": "<",
        "plus": "+",
        "minus": "-",
        "equals_sign": "=",
    }
    return " ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))
