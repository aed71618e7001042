"""One send() for every outbound destination. The delivery job (jobs/deliver.py) calls
``send``; each channel module turns an outbox payload into the platform call.

Contract with jobs/deliver.py:
- ``send(...)`` returns a ``Sent`` when the platform accepted the message (or told us it
  already had it), and raises
  - ``Throttled(retry_after)`` when our own pacing says the platform limit would be
    exceeded: nothing was sent, wait and try again (not counted as a failed attempt);
  - ``RetryLater(code, message, retry_after)`` for transient failures (-1, 45009, 130101,
    143103/143104, 5xx, timeouts, connection errors);
  - ``Rejected(code, message)`` for permanent ones (bad payload, all recipients invalid...).
- ``resend_check`` is True when an earlier attempt may already have reached the platform
  (its worker died mid-send); channels that can make the platform drop a duplicate do so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class DeliveryError(Exception):
    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class RetryLater(DeliveryError):
    def __init__(self, code: int | None, message: str, retry_after: float | None = None) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class Rejected(DeliveryError):
    pass


class Throttled(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"paced: retry in {retry_after:.1f}s")
        self.retry_after = retry_after


@dataclass
class Sent:
    result: dict[str, Any] = field(default_factory=dict)
