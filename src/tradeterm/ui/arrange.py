"""Which pane groups are on screen: all of them on a wide terminal, one tab at a time on a
small one; and which pane gets the keys when the arrangement changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from textual.geometry import Size
from textual.widget import Widget

from tradeterm.ui.layout import ALL, GROUPS, THREE_COLUMN_WIDTH, TOP_GROUPS, is_wide
from tradeterm.ui.panes.registry import BY_ID, PANE_GROUP

if TYPE_CHECKING:
    from textual.screen import Screen

    from tradeterm.ui.screens.workstation import Chrome
    from tradeterm.ui.workstation import Workstation


class Stage(Protocol):
    """What the arrangement uses of the app: the frame shown now, the session's parts once
    they are built, and the screens stacked over the workstation."""

    @property
    def chrome(self) -> Chrome: ...
    @property
    def workstation(self) -> Workstation | None: ...
    @property
    def opened(self) -> bool: ...
    @property
    def screen_stack(self) -> list[Screen[Any]]: ...


class Arrangement:
    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.tab = "market"
        self.wide = True
        self.size = Size(0, 0)

    def layout(self, size: Size) -> None:
        """Arrange the groups for a terminal of ``size``, before the frame is composed too
        (the app lays it out as it starts, so the first frame is drawn arranged)."""
        self.size = size
        chrome = self.stage.chrome
        width, height = size
        wide = self.wide = is_wide(width, height)
        self._tab_bar(chrome, wide)
        body = chrome.body
        body.set_class(not wide, "-tabbed")
        body.set_class(wide and width >= THREE_COLUMN_WIDTH, "-three")
        for gid, _ in GROUPS:
            chrome.groups[gid].display = wide or gid == self.tab
        top_visible = wide or self.tab in TOP_GROUPS
        chrome.top.display = top_visible
        chrome.bottom.display = wide or not top_visible
        workstation = self.stage.workstation
        if self.stage.opened and workstation is not None:
            workstation.bridge.dirty |= ALL  # panes that were hidden kept nothing up to date

    def _tab_bar(self, chrome: Chrome, wide: bool) -> None:
        """Show the tabs on a small screen. They are made the first time one is needed:
        most starts are wide, and a hidden bar was 2-4 % of the work to the first frame."""
        tabs = chrome.tabs
        active = f"tab-{self.tab}"
        if tabs is None:
            if wide:
                return
            from textual.widgets import Tab, Tabs

            titles = [Tab(title, id=f"tab-{gid}") for gid, title in GROUPS]
            tabs = chrome.tabs = Tabs(*titles, active=active, id="tabs")
            if chrome.body.is_attached:  # else the screen composes it over the body
                chrome.body.screen.mount(tabs, before=chrome.body)
        elif not wide and tabs.is_mounted:  # else its first active tab is still to be set
            tabs.active = active
        tabs.set_class(not wide, "-shown")

    def show_group(self, gid: str) -> None:
        if self.tab != gid:
            self.tab = gid
            self.layout(self.size)
            stage = self.stage
            if not self.wide and not stage.chrome.cmdline.is_open and len(stage.screen_stack) == 1:
                self.focus_shown()

    def pane_visible(self, pane: str) -> bool:
        return self.wide or PANE_GROUP[pane] == self.tab

    def pane_widget(self, pane: str) -> Widget:
        """The widget that takes the keys of ``pane``."""
        workstation = self.stage.workstation
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
