"""Which pane groups are on screen: all of them on a wide terminal, one tab at a time on a
small one; and which pane gets the keys when the arrangement changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.widget import Widget

from tradeterm.ui.layout import ALL, GROUPS, THREE_COLUMN_WIDTH, TOP_GROUPS, is_wide
from tradeterm.ui.panes.registry import BY_ID, PANE_GROUP

if TYPE_CHECKING:
    from tradeterm.ui.app import TradetermApp


class Arrangement:
    def __init__(self, app: TradetermApp) -> None:
        self.app = app
        self.tab = "market"
        self.wide = True

    def layout(self, size: Size) -> None:
        """Arrange the groups for a terminal of ``size``."""
        app = self.app
        width, height = size
        wide = self.wide = is_wide(width, height)
        self._tab_bar(wide)
        body = app.query_one("#body")
        body.set_class(not wide, "-tabbed")
        body.set_class(wide and width >= THREE_COLUMN_WIDTH, "-three")
        for gid, _ in GROUPS:
            app.query_one(f"#{gid}").display = wide or gid == self.tab
        top_visible = wide or self.tab in TOP_GROUPS
        app.query_one("#top").display = top_visible
        app.query_one("#bottom").display = wide or not top_visible
        if app.opened:
            app.bridge.dirty |= ALL  # panes that were hidden kept nothing up to date

    def _tab_bar(self, wide: bool) -> None:
        """Show the tabs on a small screen. They are made the first time one is needed:
        most starts are wide, and a hidden bar was 2-4 % of the work to the first frame."""
        from textual.widgets import Tab, Tabs

        app = self.app
        tabs = next(iter(app.query("#tabs").results(Tabs)), None)
        active = f"tab-{self.tab}"
        if tabs is None:
            if wide:
                return
            titles = [Tab(title, id=f"tab-{gid}") for gid, title in GROUPS]
            tabs = Tabs(*titles, active=active, id="tabs")
            app.mount(tabs, before="#body")
        elif not wide and tabs.is_mounted:  # else its first active tab is still to be set
            tabs.active = active
        tabs.set_class(not wide, "-shown")

    def show_group(self, gid: str) -> None:
        if self.tab != gid:
            self.tab = gid
            self.layout(self.app.size)
            app = self.app
            if not self.wide and not app.cmdline.is_open and len(app.screen_stack) == 1:
                self.focus_shown()

    def pane_visible(self, pane: str) -> bool:
        return self.wide or PANE_GROUP[pane] == self.tab

    def pane_widget(self, pane: str) -> Widget:
        """The widget that takes the keys of ``pane``."""
        workstation = self.app.workstation
        if workstation is None:
            raise LookupError(f"pane {pane}: the workstation is not built yet")
        return BY_ID[pane].focus(workstation.contents[pane])

    def focus_shown(self) -> None:
        """Give the keys to a pane on screen: the scanner when it shows, else the first pane
        of the tab (keys must never go to a pane hidden behind another tab)."""
        pane = (
            "scanner"
            if self.pane_visible("scanner")
            else next(p for p, group in PANE_GROUP.items() if group == self.tab)
        )
        widget = self.pane_widget(pane)
        if widget.is_mounted:
            widget.screen.set_focus(widget)  # now: the next key of a burst is for it
        else:
            widget.focus()
