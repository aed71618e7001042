"""No secret in any log line during a full flow: a signed callback, the handler, delivery
through the emulator (token fetch included), an H5 sign-in through OAuth and a page, and
a DingTalk sign-in (免登).

Two layers are checked: our own log calls at INFO never carry a secret (caplog, before
any masking), and what the configured handler writes — DEBUG included, where HTTP
libraries print whole URLs such as ``gettoken?corpsecret=…`` — is masked."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.reliability.relkit import post_wecom_text
from web.auth.identity import OAUTH_STATE_COOKIE, SESSION_CSRF
from zhongshu import logging_conf
from zhongshu.queues import get_redis
from zhongshu.settings import get_settings

pytestmark = pytest.mark.usefixtures("org")


def _secrets(client) -> list[str]:
    s = get_settings()
    values = [s.wecom_secret, s.wecom_aes_key, s.wecom_token, s.dingtalk_app_secret,
              s.dingtalk_aes_key, s.secret_key, s.dingtalk_robot_secret or ""]
    # The access tokens the flow fetched (cached in Redis by the platform clients).
    for key in get_redis().scan_iter("*token*"):
        raw = get_redis().get(key)
        if raw and not key.endswith(b":lock"):
            text = raw.decode()
            try:
                data = json.loads(text)
                values.append(str(data[0] if isinstance(data, list) else data))
            except ValueError:
                values.append(text)
    with client.session_transaction() as sess:
        values.append(sess.get(SESSION_CSRF, ""))
    return [v for v in values if v and len(v) >= 8]


def _full_flow(client, emulator: str, run_jobs) -> None:
    answer = post_wecom_text(client, "zhangwei", "新客户 绍兴滤材 王经理 13800001234 制造业 有意向")
    assert answer.status_code == 200
    run_jobs()  # the inbox job and the delivery through the emulator (gettoken included)
    sent = requests.get(f"{emulator}/_emu/messages", params={"user": "zhangwei"},
                        timeout=5).json()
    assert any(m["direction"] == "out" and m["delivered"] for m in sent)
    start = client.get("/h5/login?next=%2Fh5%2Fregister")
    state = client.get_cookie(OAUTH_STATE_COOKIE).value
    assert parse_qs(urlsplit(start.headers["Location"]).query)["state"] == [state]
    code = requests.post(f"{emulator}/_emu/wecom/users/zhangwei/oauth",
                         json={"redirect": "http://x/h5/register", "state": state},
                         timeout=5).json()["code"]
    assert client.get(f"/h5/register?code={code}&state={state}").status_code == 302
    assert client.get("/h5/register").status_code == 200
    # The DingTalk sign-in (免登) of 陈静 in another browser: entry page, code, exchange.
    from models.org import user as users
    from tests.security.test_dingtalk_login import auth_code, open_entry
    from zhongshu.db import session_scope

    with session_scope() as session:
        users.upsert(session, wecom_userid="chenjing", name="陈静", role="finance",
                     dingtalk_userid="dt_chenjing")
    other = client.application.test_client()
    fields = open_entry(other, "/h5/contracts/review")
    res = other.post("/h5/login/dingtalk", data={**fields, "code": auth_code(emulator)})
    assert res.status_code == 302


def test_no_secret_in_any_log_line(client, emulator, run_jobs, caplog, capsys):
    logging_conf.configure(json_lines=True, level="DEBUG")
    try:
        with caplog.at_level(logging.INFO):
            _full_flow(client, emulator, run_jobs)
        written = capsys.readouterr().err
    finally:
        logging_conf.configure()
    secrets = _secrets(client)
    assert len(secrets) >= 8  # the flow did fetch a token
    assert written.count("\n") > 10  # the handler did write the flow's lines
    ours = "\n".join(r.getMessage() for r in caplog.records)
    for secret in secrets:
        assert secret not in written, f"a secret reached the log output: {secret[:4]}…"
        assert secret not in ours
    # Every written line is one JSON object (the production format).
    for line in written.splitlines():
        if line.startswith("{"):
            json.loads(line)


def test_masking_covers_the_usual_shapes():
    for raw in ("GET /cgi-bin/gettoken?corpid=ww1&corpsecret=S3cr3tValue HTTP/1.1",
                "POST /cgi-bin/message/send?access_token=T0kenValue123",
                '{"access_token": "T0kenValue123", "expires_in": 7200}',
                "appsecret=S3cr3tValue&appkey=x"):
        masked = logging_conf.mask_secrets(raw)
        assert "S3cr3tValue" not in masked and "T0kenValue123" not in masked
        assert "***" in masked


def test_masking_covers_one_time_sign_in_codes_but_not_error_codes():
    for raw in ('POST /topapi/v2/user/getuserinfo body={"code": "C0deValue42"}',
                "GET /h5/dashboard?code=C0deValue42&state=abc",
                "requestAuthCode authCode=C0deValue42"):
        assert "C0deValue42" not in logging_conf.mask_secrets(raw)
    kept = '{"errcode": 40078, "errmsg": "不存在的临时授权码"}'
    assert logging_conf.mask_secrets(kept) == kept


def test_request_id_is_in_the_json_line_and_the_response(client, capsys):
    logging_conf.configure(json_lines=True, level="INFO")
    try:
        res = client.get("/h5/customers/1", headers={"X-Request-ID": "req-abc123"})
        logging.getLogger("zs.test").info("inside?")
        written = capsys.readouterr().err
    finally:
        logging_conf.configure()
    assert res.headers["X-Request-ID"] == "req-abc123"
    assert client.get("/healthz").headers["X-Request-ID"] != "req-abc123"
    assert "inside?" in written
