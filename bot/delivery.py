"""What an outbound send answers: ``Sent``, or one of the delivery errors.

The shared vocabulary of the outbound path: the platform clients (bot.wecom.client,
bot.dingtalk.client, bot.dingtalk.robot_send) raise these, the per-destination senders
(bot.wecom.channels, bot.dingtalk.channels) return ``Sent``, bot.channels dispatches, and the
delivery job (jobs/deliver.py) and a few pages catch them. It imports nothing of bot/, so
the clients never need the channel registry.

- ``Sent`` when the platform accepted the message (or told us it already had it);
- ``Throttled(retry_after)`` when our own pacing says the platform limit would be
  exceeded: nothing was sent, wait and try again (not counted as a failed attempt);
- ``RetryLater(code, message, retry_after)`` for transient failures (-1, 45009, 130101,
  143103/143104, 5xx, timeouts, connection errors); ``MaybeSent`` when the request may
  already have reached the platform;
- ``Rejected(code, message)`` for permanent ones (bad payload, all recipients invalid...).
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


class MaybeSent(RetryLater):
    """A transient failure after the request may have reached the platform (the answer
    timed out): the retry should run with ``resend_check`` — the delivery job can tell it
    apart from a plain ``RetryLater`` with ``isinstance``."""


def split_recipients(recipient: str, sep: str) -> list[str]:
    """An outbox row's recipient column holds several user ids joined by ``sep``."""
    return [r.strip() for r in recipient.split(sep) if r.strip()]
