"""Configuration of the local WeCom / DingTalk emulator.

The defaults match ``zhongshu.settings.EMULATOR_WECOM`` / ``EMULATOR_DINGTALK`` so the
service, running on its own defaults, talks to the emulator without any setup.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zhongshu.settings import EMULATOR_DINGTALK, EMULATOR_WECOM

# One organisation small enough to read on a screen, big enough to exercise every role.
DEFAULT_DEPARTMENTS: list[dict[str, Any]] = [
    {"id": 1, "name": "中枢科技", "parentid": 0, "order": 100000000},
    {"id": 2, "name": "销售部", "parentid": 1, "order": 100000000},
    {"id": 3, "name": "华东销售一组", "parentid": 2, "order": 100000000},
    {"id": 4, "name": "财务部", "parentid": 1, "order": 99999000},
    {"id": 5, "name": "综合管理部", "parentid": 1, "order": 99998000},
]

DEFAULT_USERS: list[dict[str, Any]] = [
    {"userid": "zhangwei", "name": "张伟", "department": [3], "position": "销售代表",
     "role": "rep", "mobile": "13800000001", "dingtalk_userid": "dt_zhangwei"},
    {"userid": "lina", "name": "李娜", "department": [3], "position": "销售代表",
     "role": "rep", "mobile": "13800000002", "dingtalk_userid": "dt_lina"},
    {"userid": "wangfang", "name": "王芳", "department": [3], "position": "销售主管",
     "role": "supervisor", "mobile": "13800000003", "dingtalk_userid": "dt_wangfang"},
    {"userid": "liuyang", "name": "刘洋", "department": [2], "position": "销售总监",
     "role": "director", "mobile": "13800000004", "dingtalk_userid": "dt_liuyang"},
    {"userid": "chenjing", "name": "陈静", "department": [4], "position": "财务",
     "role": "finance", "mobile": "13800000005", "dingtalk_userid": "dt_chenjing"},
    {"userid": "admin", "name": "赵敏", "department": [5], "position": "销售助理",
     "role": "admin", "mobile": "13800000006", "dingtalk_userid": "dt_admin"},
]

# Workbench (应用主页 / 自定义菜单) buttons; each sends Event=click with this EventKey.
DEFAULT_WORKBENCH: list[dict[str, str]] = [
    {"key": "quick_register", "name": "报备客户"},
    {"key": "checkin", "name": "拜访签到"},
    {"key": "my_customers", "name": "我的客户"},
    {"key": "help", "name": "帮助"},
]

# Places in Shanghai the phone page can "be" when it reports a location. A place may say
# its ``coord`` (default WGS-84) and the one ``user`` whose phone offers it (default: all);
# the demo passes its reps' customers (``zhongshu.demo.data.demo_locations``).
DEFAULT_LOCATIONS: list[dict[str, Any]] = [
    {"name": "人民广场", "lat": 31.232301, "lng": 121.475194, "precision": 30.0},
    {"name": "陆家嘴", "lat": 31.239689, "lng": 121.499755, "precision": 25.0},
    {"name": "虹桥枢纽", "lat": 31.194045, "lng": 121.320326, "precision": 40.0},
    {"name": "张江高科", "lat": 31.203514, "lng": 121.587853, "precision": 35.0},
]


def _int(value: object) -> int:
    # The settings' emulator dicts mix value types, so their values are typed ``object``.
    return value if isinstance(value, int) else int(str(value))


def _copy_list(items: list[dict[str, Any]]) -> Callable[[], list[dict[str, Any]]]:
    # Each config gets its own copies, so one test editing its directory can't leak.
    return lambda: [dict(item) for item in items]


@dataclass
class EmulatorConfig:
    """Everything the emulator needs; all fields have working defaults."""

    service_url: str = "http://127.0.0.1:5000"
    # Base URL the emulator puts into links it hands out (PicUrl, sessionWebhook).
    # None: derived from the incoming request's host.
    public_url: str | None = None

    wecom_corp_id: str = str(EMULATOR_WECOM["corp_id"])
    wecom_agent_id: int = _int(EMULATOR_WECOM["agent_id"])
    wecom_secret: str = str(EMULATOR_WECOM["secret"])
    wecom_token: str = str(EMULATOR_WECOM["token"])
    wecom_aes_key: str = str(EMULATOR_WECOM["aes_key"])

    dingtalk_corp_id: str = str(EMULATOR_DINGTALK["corp_id"])
    dingtalk_app_key: str = str(EMULATOR_DINGTALK["app_key"])
    dingtalk_app_secret: str = str(EMULATOR_DINGTALK["app_secret"])
    dingtalk_agent_id: int = _int(EMULATOR_DINGTALK["agent_id"])
    dingtalk_token: str = str(EMULATOR_DINGTALK["token"])
    dingtalk_aes_key: str = str(EMULATOR_DINGTALK["aes_key"])
    dingtalk_robot_webhook_token: str = str(EMULATOR_DINGTALK["robot_webhook_token"])
    dingtalk_robot_secret: str = str(EMULATOR_DINGTALK["robot_secret"])

    token_ttl: int = 7200
    # Seconds the player waits for the service's HTTP 200 before retrying (WeCom: 5 s).
    callback_timeout: float = 5.0
    callback_tries: int = 3

    # WeCom limits (PLATFORMS.md 2.2 / 2.3 / 2.4).
    wecom_per_user_per_minute: int = 30
    wecom_per_user_per_hour: int = 1000
    response_code_ttl: int = 72 * 3600
    media_ttl: int = 3 * 24 * 3600
    oauth_code_ttl: int = 300
    # DingTalk H5 auth codes (requestAuthCode): five minutes, one use.
    dingtalk_auth_code_ttl: int = 300

    # WeCom 客户联系 (PLATFORMS.md §7). Generated customers per directory user (0: none),
    # the same ones on every reset for one seed (bot.emulator.wecom_contacts_seed).
    wecom_contacts_per_user: int = 0
    wecom_contacts_seed: int = 2026
    # Calls per API per corp before 45009 (PLATFORMS.md 2.5).
    wecom_contacts_per_minute: int = 10000
    wecom_contacts_per_hour: int = 150000
    # 在职继承: done 24 h after the call; at most 2 per customer in 90 days.
    wecom_transfer_delay: int = 24 * 3600
    wecom_transfer_window: int = 90 * 24 * 3600
    wecom_transfers_per_window: int = 2
    # An add_external_contact WelcomeCode is good for one send_welcome_msg within 20 s.
    wecom_welcome_code_ttl: int = 20

    # DingTalk limits (PLATFORMS.md 4.1 / 4.3).
    dingtalk_qpm: int = 1500  # recipients per minute per app before 143103
    dingtalk_daily_per_user: int = 500
    dingtalk_to_all_per_day: int = 3
    robot_per_minute: int = 20
    robot_block_seconds: int = 600
    robot_max_bytes: int = 20000
    robot_timestamp_window: int = 3600
    session_webhook_ttl: int = 90 * 60
    # Business day boundary for "once per day" rules: DingTalk counts in China time.
    day_utc_offset: int = 8 * 3600

    users: list[dict[str, Any]] = field(default_factory=_copy_list(DEFAULT_USERS))
    departments: list[dict[str, Any]] = field(default_factory=_copy_list(DEFAULT_DEPARTMENTS))
    workbench: list[dict[str, str]] = field(default_factory=_copy_list(DEFAULT_WORKBENCH))
    locations: list[dict[str, Any]] = field(default_factory=_copy_list(DEFAULT_LOCATIONS))

    now: Callable[[], float] = time.time

    # -- directory look-ups -----------------------------------------------------------
    def wecom_user(self, userid: str) -> dict[str, Any] | None:
        return next((u for u in self.users if u["userid"] == userid), None)

    def dingtalk_user(self, staff_id: str) -> dict[str, Any] | None:
        return next((u for u in self.users if u.get("dingtalk_userid") == staff_id), None)

    def department_ids(self) -> set[int]:
        return {int(d["id"]) for d in self.departments}

    def subdepartment_ids(self, root: int) -> set[int]:
        """``root`` and every department below it."""
        found = {root}
        grew = True
        while grew:
            grew = False
            for dept in self.departments:
                if int(dept["parentid"]) in found and int(dept["id"]) not in found:
                    found.add(int(dept["id"]))
                    grew = True
        return found
