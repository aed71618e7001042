"""A local emulator of the WeCom and DingTalk server APIs, and a way to play their users.

One Flask app serves, on one port:
- the WeCom API under ``/cgi-bin/`` (``wecom_api``, ``wecom_media``, ``wecom_directory``,
  ``wecom_menu``, 客户联系 in ``wecom_contacts_api`` and ``wecom_contacts_transfer``) and
  the DingTalk API at the ``oapi.dingtalk.com`` paths plus the robot webhooks
  (``dingtalk_api``): point ``WECOM_API_BASE`` and ``DINGTALK_API_BASE`` at it;
- the control API under ``/_emu/`` (``control``, ``wecom_contacts_control``) for tests;
- the player under ``/_emu/wecom/users/...`` and ``/_emu/dingtalk/...``
  (``player_wecom``, ``player_wecom_contacts``, ``player_dingtalk``), which calls the
  service's callback URLs the way the platforms do;
- phone pages at ``/`` and ``/phone/...`` (``phone``) for demos.

State lives in memory, per app instance (``state``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.serving import run_simple

from bot.emulator import (
    control,
    dingtalk_api,
    phone,
    player_dingtalk,
    player_wecom,
    player_wecom_contacts,
    wecom_api,
    wecom_contacts_api,
    wecom_contacts_control,
    wecom_contacts_transfer,
    wecom_directory,
    wecom_media,
    wecom_menu,
)
from bot.emulator.common import EXTENSION_KEY
from bot.emulator.config import EmulatorConfig
from bot.emulator.state import EmulatorState

__all__ = ["EmulatorConfig", "EmulatorState", "create_emulator_app", "serve"]


def create_emulator_app(config: EmulatorConfig | None = None) -> Flask:
    """A fresh emulator with its own in-memory state (``app.extensions["zhongshu_emulator"]``)."""
    app = Flask(__name__, template_folder="templates", static_folder="static",
                static_url_path="/_emu/static")
    # Keep Chinese readable in answers, as the platforms do.
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION_KEY] = EmulatorState(config or EmulatorConfig())
    for blueprint in (wecom_api.bp, wecom_media.bp, wecom_directory.bp, wecom_menu.bp,
                      wecom_contacts_api.bp, wecom_contacts_transfer.bp,
                      dingtalk_api.bp, control.bp, wecom_contacts_control.bp,
                      player_wecom.bp, player_wecom_contacts.bp, player_dingtalk.bp, phone.bp):
        app.register_blueprint(blueprint)
    return app


def serve(host: str = "127.0.0.1", port: int = 5001,
          service_url: str = "http://127.0.0.1:5000", *,
          directory: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None,
          locations: list[dict[str, Any]] | None = None,
          contacts_per_user: int = 0, contacts_seed: int | None = None) -> None:
    """Run the emulator until interrupted (threaded: the service calls back while the
    player waits for it). ``directory`` is (departments, users) to serve instead of the
    built-in six people; ``locations`` the places the phones offer instead of four in
    Shanghai; ``contacts_per_user`` generated WeChat customers (客户联系) for every user,
    the same ones for one ``contacts_seed``."""
    config = EmulatorConfig(service_url=service_url, wecom_contacts_per_user=contacts_per_user)
    if contacts_seed is not None:
        config.wecom_contacts_seed = contacts_seed
    if directory is not None:
        config.departments, config.users = directory
    if locations:
        config.locations = locations
    app = create_emulator_app(config)
    run_simple(host, port, app, threaded=True, use_reloader=False)
