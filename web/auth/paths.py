"""The sign-in's URL helpers shared by web.auth's modules: the parameters WeCom's OAuth
page appends, and this request's path without them."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request

OAUTH_PARAMS = ("code", "state")  # what WeCom's authorize page appends


def clean_path() -> str:
    """This request's path and query without WeCom's OAuth parameters."""
    query = [(k, v) for k, v in request.args.items(multi=True) if k not in OAUTH_PARAMS]
    return request.path + (f"?{urlencode(query)}" if query else "")
