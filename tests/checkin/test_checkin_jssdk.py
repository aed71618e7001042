"""The WeCom JS-SDK signature for the check-in page (web/visits/checkin.py jsconfig): sha1 of
the four fields with the jsapi_ticket from get_jsapi_ticket, cached in Redis."""

from __future__ import annotations

import hashlib

import requests

from tests.web.webkit import login
from web.visits.checkin import JSAPI_TICKET_KEY
from zhongshu.queues import get_redis
from zhongshu.settings import get_settings


def test_signature_uses_the_cached_ticket(client, org, emulator):
    login(client, "zhangwei")
    page = f"{get_settings().base_url}/h5/checkin?customer=1"
    first = client.get("/h5/checkin/jsconfig", query_string={"url": page + "#top"}).get_json()
    ticket = get_redis().get(JSAPI_TICKET_KEY)
    assert ticket
    ticket = ticket.decode() if isinstance(ticket, bytes) else ticket
    plain = (f"jsapi_ticket={ticket}&noncestr={first['nonceStr']}"
             f"&timestamp={first['timestamp']}&url={page}")
    assert first["signature"] == hashlib.sha1(plain.encode()).hexdigest()
    assert first["appId"] == get_settings().wecom_corp_id
    client.get("/h5/checkin/jsconfig", query_string={"url": page})
    calls = requests.get(f"{emulator}/_emu/calls", params={"api": "get_jsapi_ticket"},
                         timeout=5).json()
    assert len(calls) == 1  # the second page load used the cached ticket


def test_foreign_urls_are_not_signed(client, org):
    login(client, "zhangwei")
    response = client.get("/h5/checkin/jsconfig", query_string={"url": "https://evil.example/x"})
    assert response.status_code == 400


def test_page_loads_the_sdk_only_through_its_own_script(client, org):
    login(client, "zhangwei")
    page = client.get("/h5/checkin").get_data(as_text=True)
    assert 'data-jssdk="/h5/static/vendor/wecom-jssdk.min.js"' in page
    assert 'src="/h5/static/checkin.js"' in page
