"""帮助 must fit in one WeCom text message (2,048 bytes of content) for every role, or
WeCom refuses it (errcode 45002) and the user gets no help at all — every new command
makes the supervisor's list longer."""

from __future__ import annotations

import pytest

from handlers.general.commands import help_text
from models.org.user import ROLES

WECOM_TEXT_MAX_BYTES = 2048


@pytest.mark.parametrize("role", ROLES)
def test_help_fits_one_wecom_text_message(role: str) -> None:
    text = help_text(role)
    size = len(text.encode())
    assert text.count("\n") >= 2
    assert size <= WECOM_TEXT_MAX_BYTES, f"{role}: {size} bytes"
