"""Outbound pacing: a Redis sliding-window limiter shared by every worker process, and
the single-flight lock the platform clients use to refresh access tokens.

WeCom silently drops messages beyond 30 a minute / 1000 an hour per user per app
(PLATFORMS.md §0.3, §2.2) — the API still answers ``ok`` — so the only protection is to
never send them. The DingTalk group robot answers 130101 beyond 20 a minute and then
refuses everything for 10 minutes (§4.1); we pace below the limit and, should 130101
still happen (another sender on the same robot), record a block key that stops us trying.

``reserve`` is one Lua script, so checking every window and recording the send in all of
them is atomic across processes: a send either takes a slot in every window or in none.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import redis
from redis.commands.core import Script

from zhongshu.queues import get_redis
from zhongshu.settings import get_settings

T = TypeVar("T")

KEY_PREFIX = "zs:pace"
BLOCK_PREFIX = "zs:block"

# KEYS[1]      sequence counter (makes every sorted-set member unique)
# KEYS[2..n+1] one sorted set per window; member = unique id, score = send time (ms)
# KEYS[n+2..]  block keys: while one exists, nothing may be sent
# ARGV[1] now in ms, or "" to use the Redis server clock (one clock for every process)
# ARGV[2] n; then per window: limit, window_ms
# Returns the wait in ms (0 = reserved and recorded).
_RESERVE_LUA = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local n = tonumber(ARGV[2])
local wait = 0
for i = n + 2, #KEYS do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl > wait then wait = ttl end
end
for i = 1, n do
  local key = KEYS[i + 1]
  local limit = tonumber(ARGV[1 + i * 2])
  local window = tonumber(ARGV[2 + i * 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local need = 0
    if limit > 0 then
      -- The (count - limit + 1)-th oldest send must leave the window to free one slot.
      local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
      need = tonumber(oldest[2]) + window - now
      if need < 1 then need = 1 end
    else
      need = window
    end
    if need > wait then wait = need end
  end
end
if wait > 0 then return wait end
local seq = redis.call('INCR', KEYS[1])
for i = 1, n do
  local key = KEYS[i + 1]
  local window = tonumber(ARGV[2 + i * 2])
  redis.call('ZADD', key, now, now .. ':' .. seq)
  redis.call('PEXPIRE', key, window)
end
return 0
"""


@dataclass(frozen=True)
class Window:
    """At most ``limit`` sends within any ``seconds``-long span, counted under ``key``."""

    key: str
    limit: int
    seconds: float


class Limiter:
    def __init__(self, client: redis.Redis | None = None) -> None:
        self._redis = client
        self._script: Script | None = None

    @property
    def redis(self) -> redis.Redis:
        return self._redis if self._redis is not None else get_redis()

    def reserve(self, windows: Sequence[Window | tuple[str, int, float]], *,
                blocks: Sequence[str] = (), now: float | None = None) -> float:
        """Take one slot in every window, or none.

        Returns 0.0 when the send was recorded in all windows, else the seconds until the
        fullest window (or an active block) frees a slot, recording nothing. ``now`` (epoch
        seconds) is for tests; by default the Redis server's clock is used so that every
        process agrees on time.
        """
        items = [w if isinstance(w, Window) else Window(*w) for w in windows]
        if not items and not blocks:
            return 0.0
        if self._script is None:
            self._script = self.redis.register_script(_RESERVE_LUA)
        keys = [f"{KEY_PREFIX}:seq"] + [w.key for w in items] + list(blocks)
        args: list[str | int] = ["" if now is None else int(now * 1000), len(items)]
        for w in items:
            args += [int(w.limit), max(1, int(w.seconds * 1000))]
        wait_ms = int(self._script(keys=keys, args=args, client=self.redis))
        return wait_ms / 1000.0

    def block(self, key: str, seconds: float) -> None:
        """Refuse every reservation naming ``key`` for ``seconds`` (e.g. after 130101)."""
        self.redis.set(key, "1", px=max(1, int(seconds * 1000)))

    def blocked_for(self, key: str) -> float:
        ttl = int(self.redis.pttl(key))
        return ttl / 1000.0 if ttl > 0 else 0.0


_limiter = Limiter()


def reserve(windows: Sequence[Window | tuple[str, int, float]], *,
            blocks: Sequence[str] = (), now: float | None = None) -> float:
    """Module-level shortcut over the shared Redis (see ``Limiter.reserve``)."""
    return _limiter.reserve(windows, blocks=blocks, now=now)


def block(key: str, seconds: float) -> None:
    _limiter.block(key, seconds)


def blocked_for(key: str) -> float:
    return _limiter.blocked_for(key)


# -- the platforms' limits -----------------------------------------------------------------

ROBOT_BLOCK_SECONDS = 600.0  # DingTalk throttles a robot 10 minutes after 130101 (§4.1)


def arrival_margin() -> float:
    """Seconds a send may take between its reservation and its arrival at the platform
    (at most the HTTP timeout). The platform counts arrivals, so each window is held that
    much longer: otherwise a slow send reserved early and a fast one reserved a minute
    later can land within the platform's minute — bench/outbox_burst.py saw 17 of 10,000
    dropped as ``rate_limit`` before this margin."""
    return float(get_settings().http_timeout)


def wecom_user_windows(userid: str, *, agent_id: int | None = None) -> list[Window]:
    """Per app, per user: 30 a minute and 1000 an hour (excess is silently dropped)."""
    settings = get_settings()
    agent = settings.wecom_agent_id if agent_id is None else agent_id
    base = f"{KEY_PREFIX}:wecom:{agent}:{userid}"
    margin = arrival_margin()
    return [Window(f"{base}:m", settings.wecom_per_user_per_minute, 60.0 + margin),
            Window(f"{base}:h", settings.wecom_per_user_per_hour, 3600.0 + margin)]


def robot_id(webhook_url: str) -> str:
    """A stable, short name for a robot (or a session webhook) that hides its token."""
    return hashlib.sha256(webhook_url.encode("utf-8")).hexdigest()[:16]


def robot_windows(webhook_url: str) -> list[Window]:
    settings = get_settings()
    return [Window(f"{KEY_PREFIX}:dtrobot:{robot_id(webhook_url)}:m",
                   settings.dingtalk_robot_per_minute, 60.0 + arrival_margin())]


def robot_block_key(webhook_url: str) -> str:
    return f"{BLOCK_PREFIX}:dtrobot:{robot_id(webhook_url)}"


# -- single-flight token refresh -------------------------------------------------------------
# gettoken is itself frequency-limited (§2.1; ~2000 bad calls an hour block the IP), and a
# token refresh in one process must not invalidate a token another process just fetched.
# So every process reads the token from Redis, and when it is missing exactly one process
# (the holder of a ``SET NX PX`` lock) calls gettoken while the others poll the cache.

_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class SingleFlightTimeout(Exception):
    """Waited for another process's refresh longer than it could possibly take."""


def single_flight(lock_key: str, *, read: Callable[[], T | None], fetch: Callable[[], T],
                  lock_seconds: float, poll_seconds: float = 0.02,
                  client: redis.Redis | None = None) -> T:
    """Return ``read()`` if it has a value; otherwise let one caller run ``fetch()``.

    ``fetch`` must store what it fetched where ``read`` finds it. The lock expires after
    ``lock_seconds`` so a process that dies mid-fetch cannot stall the others for long.
    """
    r = client if client is not None else get_redis()
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + lock_seconds * 2
    while True:
        value = read()
        if value is not None:
            return value
        if r.set(lock_key, owner, nx=True, px=max(1, int(lock_seconds * 1000))):
            try:
                value = read()  # someone may have finished between our read and the lock
                return value if value is not None else fetch()
            finally:
                r.eval(_RELEASE_LUA, 1, lock_key, owner)
        if time.monotonic() > deadline:
            raise SingleFlightTimeout(lock_key)
        time.sleep(poll_seconds)


def forget_if(key: str, raw_value: str, *, client: redis.Redis | None = None) -> bool:
    """Delete ``key`` only while it still holds ``raw_value`` — a stale token is dropped
    without clobbering a fresh one another process stored meanwhile."""
    r = client if client is not None else get_redis()
    return bool(r.eval(_RELEASE_LUA, 1, key, raw_value))
