"""The sim's wide universe is made only when asked for."""

from __future__ import annotations

import subprocess
import sys


def test_a_core_sim_never_makes_the_wide_listings() -> None:
    """The 102 extra markets of ``universe = "all"`` are made on first use (PEP 562
    ``ALL_LISTINGS``): the default sim's start does not pay for them, and asking for them
    gives the 124 listings, the core 22 first."""
    script = (
        "import tradeterm.venues.sim.catalog as c\n"
        "from tradeterm.engine.clock import ManualClock\n"
        "from tradeterm.venues.sim.feed import SimFeed\n"
        "SimFeed(ManualClock(0))\n"
        "before = c.all_listings.cache_info().misses\n"
        "wide = c.ALL_LISTINGS\n"
        "print(before, len(wide), wide[:22] == c.LISTINGS, c.ALL_LISTINGS is wide)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    assert out == ["0", "124", "True", "True"]
