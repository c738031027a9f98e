"""Shared plumbing of the native feeds: REST GETs with retries and backoff, the markets cache
(and reading a venue's markets through it).

urllib rather than aiohttp: a native feed makes a handful of REST calls (markets at start,
snapshots on (re)sync), so a thread per call costs nothing and tradeterm carries no second
HTTP stack; the streams use ``websockets``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from tradeterm.domain.errors import DataError, VenueUnavailable
from tradeterm.venues.rest_budget import RestBudget

log = logging.getLogger("tradeterm.venues")

RETRYABLE = frozenset({408, 418, 429, 500, 502, 503, 504})
"""418 is Binance's "banned for ignoring 429s": wait as told, like 429."""
CACHE_MAX_AGE_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits up to ``base_s * 2**n``, capped."""

    base_s: float = 0.5
    cap_s: float = 30.0
    tries: int = 6
    """REST attempts before giving up (the stream reconnects forever)."""

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.cap_s, self.base_s * (2 ** min(attempt, 30)))
        return (rng or random).uniform(ceiling / 2, ceiling)


class RestError(Exception):
    """One failed request; ``retry_after`` is the server's Retry-After in seconds, if any."""

    def __init__(
        self,
        message: str,
        status: int | None,
        retry_after: float | None,
        headers: Message | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.headers = headers


def _get(url: str, timeout_s: float) -> tuple[bytes, Message]:
    """The body and headers of ``GET url``."""
    request = urllib.request.Request(url, headers={"User-Agent": "tradeterm"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            body: bytes = response.read()
            return body, response.headers
    except urllib.error.HTTPError as exc:
        after = exc.headers.get("Retry-After") if exc.headers else None
        try:
            retry_after = float(after) if after is not None else None
        except ValueError:
            retry_after = None
        raise RestError(
            f"HTTP {exc.code} {exc.reason}", exc.code, retry_after, exc.headers
        ) from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise RestError(str(getattr(exc, "reason", exc)), None, None) from exc


Refusal = Callable[[bytes], "RestError | None"]
"""A venue's reader of an answer that came back 200 but says it was refused (Kraken puts its
rate limit and its outages in the body): the error to treat it as (a status of 429 or 418
pauses the venue for ``retry_after``; 5xx and 408 are retried), or None for a real answer."""


class RestClient:
    """GETs against one base url (``urls.api.public``, e.g. ``https://api.binance.com/api/v3``),
    each sent when the venue's ``RestBudget`` lets it (``rest_budget``); with ``refused``, a
    200 answer that the venue's reader says was refused counts as that error."""

    def __init__(
        self,
        base: str,
        backoff: Backoff | None = None,
        timeout_s: float = 10.0,
        logger: logging.Logger | None = None,
        budget: RestBudget | None = None,
        refused: Refusal | None = None,
    ) -> None:
        self.base = base.rstrip("/")
        self.refused = refused
        self.log = logger or log
        self.backoff = backoff or Backoff()
        self.timeout_s = timeout_s
        self.budget = budget or RestBudget(base, None, logger=self.log)
        self.requests = 0

    async def get(self, path: str) -> bytes:
        """The body of ``GET base/path``, retried on network errors, 5xx, 429 and 418. A 429
        or 418 pauses every request of the venue for its Retry-After.

        Raises:
            VenueUnavailable: every try failed (the message says how the last one did), or
                the venue is paused longer than the longest wait between tries (nothing is
                sent until the pause ends).
            DataError: the venue refused the request itself (another 4xx).
        """
        url = f"{self.base}/{path.lstrip('/')}"
        budget = self.budget
        last = ""
        for attempt in range(self.backoff.tries):
            if budget.paused_s() > self.backoff.cap_s:
                raise VenueUnavailable(
                    f"GET {url} not sent: REST paused another {budget.paused_s():.0f}s "
                    f"as the exchange asked{f' ({last})' if last else ''}"
                )
            await budget.acquire(path)
            self.requests += 1
            try:
                body, headers = await asyncio.to_thread(_get, url, self.timeout_s)
                refusal = self.refused(body) if self.refused is not None else None
                if refusal is not None:
                    refusal.headers = headers
                    raise refusal
            except RestError as exc:
                budget.observe(exc.headers)
                if exc.status is not None and exc.status not in RETRYABLE:
                    raise DataError(f"GET {url}: {exc}") from exc
                last = str(exc)
                if exc.retry_after:
                    budget.pause(exc.retry_after)
                    said = exc.headers is not None and exc.headers.get("Retry-After")
                    last += f": every request waits {exc.retry_after:g}s"
                    last += " (Retry-After)" if said else ""
                delay = self.backoff.delay(attempt)
                wait = max(delay, budget.paused_s())
                self.log.warning(
                    "GET %s failed (%s); retry %d in %.1fs", path, last, attempt + 1, wait
                )
                await budget.sleep(delay)  # (and the venue's pause, in ``acquire``)
                continue
            budget.observe(headers)
            return body
        raise VenueUnavailable(f"GET {url} failed {self.backoff.tries} times; last: {last}")


class MarketsCache:
    """The last exchangeInfo body on disk; its age is the file's modification time."""

    def __init__(
        self, path: Path, max_age_s: float = CACHE_MAX_AGE_S, logger: logging.Logger | None = None
    ) -> None:
        self.path = path
        self.log = logger or log
        self.max_age_s = max_age_s

    def age_s(self) -> float | None:
        """Seconds since the cache was written, or None when there is none."""
        try:
            return max(0.0, time.time() - self.path.stat().st_mtime)
        except OSError:
            return None

    def fresh(self) -> bool:
        age = self.age_s()
        return age is not None and age <= self.max_age_s

    def read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except OSError:
            return None

    def write(self, body: bytes) -> None:
        """Store ``body`` (atomically: a crash never leaves half a file); failures are logged."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_bytes(body)
            tmp.replace(self.path)
        except OSError as exc:
            self.log.warning("markets cache %s not written: %s", self.path, exc)

    def notice(self) -> str:
        age = self.age_s() or 0.0
        return f"markets from cache, {age / 3600:.0f} hours old"


async def cached_markets(
    venue: str, rest: RestClient, path: str, cache: MarketsCache | None, logger: logging.Logger
) -> bytes:
    """A venue's markets body: from a fresh cache, else GET ``path`` (then cached), else from
    an old cache with a notice.

    Raises:
        VenueUnavailable: the exchange cannot be reached and there is no cache.
    """
    if cache is not None and cache.fresh():
        body = cache.read()
        if body is not None:
            logger.info("%s: %s", venue, cache.notice())
            return body
    try:
        body = await rest.get(path)
    except VenueUnavailable:
        old = cache.read() if cache is not None else None
        if old is None or cache is None:
            raise
        logger.warning("%s: exchange unreachable; %s", venue, cache.notice())
        return old
    if cache is not None:
        cache.write(body)
    return body
