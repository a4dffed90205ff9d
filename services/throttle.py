"""Per-client limits for the anonymous pages, kept in this process's memory only.

Keys are hashed with a key that lives and dies with the process, so not even memory holds a
client's address in the clear; nothing here is ever written to disk or the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

_PROCESS_KEY = secrets.token_bytes(32)
_PRUNE_AT = 10_000


def client_key(*parts: str | None) -> str:
    material = "\x1f".join(p or "" for p in parts).encode()
    return hmac.new(_PROCESS_KEY, material, hashlib.sha256).hexdigest()[:24]


def client_address(peer: str | None, forwarded_for: str | None, *,
                   trust_proxy: bool) -> str | None:
    """The visitor's network address. Behind our reverse proxy every connection comes from the
    proxy, so the address is the last one in X-Forwarded-For: the one the proxy itself added,
    which a visitor cannot forge (the ones before it can be). Without a proxy, the peer."""
    if trust_proxy and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last
    return peer


class SlidingWindow:
    """At most `limit` events per key in any `window` seconds."""

    def __init__(self, limit: int, window: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        return events

    def allows(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, self.clock())) < self.limit

    def record(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            self._recent(key, now).append(now)
            if len(self._events) > _PRUNE_AT:
                self._prune(now)

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._events.items() if not v or now - v[-1] >= self.window]:
            del self._events[key]


class Strikes:
    """Wrong receipt codes per client: after `free` of them, each answer waits longer."""

    def __init__(self, free: int, max_delay: float, window: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.max_delay = free, max_delay
        self._wrong = SlidingWindow(limit=10**9, window=window, clock=clock)

    def delay(self, key: str) -> float:
        """Seconds to wait before answering this client's next try."""
        with self._wrong._lock:
            count = len(self._wrong._recent(key, self._wrong.clock()))
        if count < self.free:
            return 0.0
        return min(self.max_delay, 2.0 ** (count - self.free))

    def wrong(self, key: str) -> None:
        self._wrong.record(key)
