"""Foot traffic and POS receipts in: the CSV/xlsx upload page and the signed counter
endpoint. Every bad row is named (Chinese), a file with one bad row stores nothing, the
same hour sent again replaces its count, the same receipts imported again add nothing."""

from __future__ import annotations

import io
import json
import time

import pytest
from openpyxl import Workbook

from tests.stores.storekit import SHANGHAI, add_traffic, local, sale_count, signed, traffic_rows
from tests.web.webkit import login


def _post_file(client, user: str, kind: str, name: str, data: bytes):
    token = login(client, user)
    return client.post("/h5/stores/upload", data={"csrf_token": token, "kind": kind,
                                                  "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.fixture
def _upload(client, run_jobs):
    """Upload, let the job read the file, and answer the result page the upload led to
    (or the form, when the request itself refused the file)."""

    def upload(_client, user: str, kind: str, name: str, data: bytes):
        response = _post_file(client, user, kind, name, data)
        if response.status_code != 303:
            return response
        run_jobs()
        return client.get(response.headers["Location"])

    return upload


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


GOOD_TRAFFIC = _csv("门店编码,时间,客流", "S001,2026-11-02 09:00,30", "S001,2026-11-02 10:00,41",
                    "S002,2026-11-02 09:00,12")


def test_a_good_traffic_file_is_stored_and_resending_replaces_not_adds(client, chain, _upload):
    response = _upload(client, "zongbu", "traffic", "traffic.csv", GOOD_TRAFFIC)
    assert response.status_code == 200
    assert "已保存 3 个小时的客流" in response.get_data(as_text=True)
    hour = local("2026-11-02T09:00")
    assert ("S001", hour, 30) in traffic_rows()

    again = _csv("门店编码,时间,客流", "S001,2026-11-02 09:00,35")
    assert _upload(client, "zongbu", "traffic", "again.csv", again).status_code == 200
    rows = traffic_rows()
    assert len(rows) == 3 and ("S001", hour, 35) in rows  # replaced, not 30 + 35


def test_one_bad_row_stores_nothing_and_every_problem_is_named(client, chain, _upload):
    bad = _csv("门店编码,时间,客流",
               "S001,2026-11-02 09:00,30",      # fine
               "S999,2026-11-02 09:00,10",      # unknown store
               "S002,2026-11-02 10:00,-4",      # negative
               "S001,2026-11-02 09:00,31",      # same hour twice in one file
               "S002,2026-11-02 10:30,5",       # not on the hour
               "S002,下午,5",                    # not a time
               "S002,2026-11-02 11:00,很多")     # not a number
    response = _upload(client, "zongbu", "traffic", "bad.csv", bad)
    page = response.get_data(as_text=True)
    assert 'data-status="refused"' in page
    assert "文件有 6 行错误，整份文件没有保存" in page
    assert "第 3 行：门店编码“S999”不存在或无权上传" in page
    assert "第 4 行：客流不能为负数（-4）" in page
    assert "第 5 行：与第 2 行重复" in page
    assert "第 6 行：时间“2026-11-02 10:30”不是整点" in page
    assert "第 7 行：时间“下午”无法识别" in page
    assert "第 8 行：客流“很多”不是整数" in page
    assert traffic_rows() == []  # the good first row was not kept either


def test_a_malformed_file_is_refused_with_a_reason(client, chain, _upload):
    response = _upload(client, "zongbu", "traffic", "traffic.xlsx", b"PK\x03\x04 not a zip")
    assert response.status_code == 422
    assert "upload-error" in response.get_data(as_text=True)
    response = _upload(client, "zongbu", "traffic", "wrong.csv", _csv("名称,数量", "a,1"))
    assert 'data-status="refused"' in response.get_data(as_text=True)
    assert "找不到表头，需要的列：门店编码、时间、客流" in response.get_data(as_text=True)
    response = _upload(client, "zongbu", "traffic", "notes.pdf", b"%PDF-1.4")
    assert response.status_code == 422
    assert traffic_rows() == []


def test_an_xlsx_export_is_read_like_a_csv(client, chain, _upload):
    book = Workbook()
    sheet = book.active
    sheet.append(["门店编码", "时间", "客流"])
    sheet.append(["S003", local("2026-11-03T08:00").astimezone(SHANGHAI).replace(tzinfo=None),
                  17])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(client, "zongbu", "traffic", "counter.xlsx", buffer.getvalue())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert traffic_rows() == [("S003", local("2026-11-03T08:00"), 17)]


def test_a_manager_uploads_for_their_own_stores_only(client, chain, _upload):
    mixed = _csv("门店编码,时间,客流", "S001,2026-11-02 09:00,30", "S002,2026-11-02 09:00,12")
    response = _upload(client, "dz1", "traffic", "mine.csv", mixed)
    assert 'data-status="refused"' in response.get_data(as_text=True)
    assert "第 3 行：门店编码“S002”不存在或无权上传" in response.get_data(as_text=True)
    assert traffic_rows() == []
    assert _upload(client, "dz1", "traffic", "ok.csv",
                   _csv("门店编码,时间,客流", "S003,2026-11-02 09:00,9")).status_code == 200


def test_pos_receipts_are_keyed_by_receipt_number(client, chain, _upload):
    export = _csv("门店编码,交易时间,金额,会员号,小票号",
                  "S001,2026-11-02 09:12:03,23.50,M001,R0001",
                  "S001,2026-11-02 09:40:00,8.00,,R0002",
                  "S002,2026/11/02 18:05,120,M001,R0003")
    response = _upload(client, "zongbu", "sales", "pos.csv", export)
    assert response.status_code == 200
    assert "已保存 3 笔新交易，0 笔此前已导入" in response.get_data(as_text=True)
    response = _upload(client, "zongbu", "sales", "pos.csv", export)
    assert "已保存 0 笔新交易，3 笔此前已导入" in response.get_data(as_text=True)
    assert sale_count() == 3

    bad = _csv("门店编码,交易时间,金额,会员号,小票号",
               "S001,2026-11-03 09:00,5,,R0100",
               "S001,2026-11-03 09:01,abc,,R0101",
               "S001,2026-11-03 09:02,-3,,R0102",
               "S001,2026-11-03 09:03,5,,R0100",
               "S001,2026-11-03 09:04,5,,")
    response = _upload(client, "zongbu", "sales", "bad.csv", bad)
    page = response.get_data(as_text=True)
    assert 'data-status="refused"' in page
    for text in ("第 3 行：金额“abc”不是有效数字", "第 4 行：金额不能为负数（-3）",
                 "第 5 行：小票号“R0100”与第 2 行重复", "第 6 行：缺少小票号"):
        assert text in page
    assert sale_count() == 3


def test_reps_and_directors_cannot_upload(client, chain):
    assert _post_file(client, "zhangwei", "traffic", "t.csv", GOOD_TRAFFIC).status_code == 403
    assert _post_file(client, "dongqu", "traffic", "t.csv", GOOD_TRAFFIC).status_code == 403
    assert traffic_rows() == []


# -- the signed counter endpoint -------------------------------------------------------------

def _post(client, body, headers):
    return client.post("/stores/traffic", data=body, headers=headers)


def test_a_signed_counter_post_is_stored_and_a_resent_hour_replaces(client, chain,
                                                                    counter_secret):
    payload = {"rows": [{"store": "S001", "hour": "2026-11-02T09:00:00+08:00", "visitors": 30},
                        {"store": "S001", "hour": "2026-11-02 10:00", "visitors": 22}]}
    response = _post(client, *signed(payload))
    assert response.status_code == 200 and response.get_json() == {"ok": True, "stored": 2}
    payload["rows"][0]["visitors"] = 33
    # The counter retries a second later: a new timestamp, so a new signature.
    response = _post(client, *signed(payload, timestamp=int(time.time()) + 1))
    assert response.status_code == 200
    assert traffic_rows() == [("S001", local("2026-11-02T09:00"), 33),
                              ("S001", local("2026-11-02T10:00"), 22)]


def test_counter_rejections_are_json_and_store_nothing(client, chain, counter_secret):
    good = {"rows": [{"store": "S001", "hour": "2026-11-02T09:00:00+08:00", "visitors": 30}]}
    body, headers = signed(good)
    assert _post(client, body, headers).status_code == 200
    replay = _post(client, body, headers)
    assert replay.status_code == 409 and replay.get_json()["error"] == "replay"

    body, headers = signed(good, secret="not-the-secret")
    bad = _post(client, body, headers)
    assert bad.status_code == 401 and bad.get_json()["error"] == "bad_signature"

    body, headers = signed(good, timestamp=int(time.time()) - 3600)
    stale = _post(client, body, headers)
    assert stale.status_code == 401 and stale.get_json()["error"] == "stale_timestamp"

    body, headers = signed(good)
    headers["X-ZS-Signature"] = headers["X-ZS-Signature"][:-1] + "0"
    tampered = {"rows": [{"store": "S001", "hour": "2026-11-02T09:00:00+08:00",
                          "visitors": 9999}]}
    assert _post(client, json.dumps(tampered).encode(), headers).status_code == 401

    unsigned = _post(client, body, {"Content-Type": "application/json"})
    assert unsigned.status_code == 401 and unsigned.get_json()["error"] == "missing_signature"

    for raw in (b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'{"rows": "S001"}'):
        response = _post(client, *signed(raw))
        assert response.status_code == 400, raw
        assert response.get_json()["error"] == "bad_json"

    rows = {"rows": [{"store": "S001", "hour": "2026-11-02T11:00:00+08:00", "visitors": 5},
                     {"store": "NOPE", "hour": "2026-11-02T11:00:00+08:00", "visitors": 5},
                     {"store": "S002", "hour": "2026-11-02T11:00:00+08:00", "visitors": -1},
                     {"store": "S002", "hour": "2026-11-02T12:00:00+08:00", "visitors": 1},
                     {"store": "S002", "hour": "2026-11-02T12:00:00+08:00", "visitors": 2}]}
    refused = _post(client, *signed(rows))
    data = refused.get_json()
    assert refused.status_code == 422 and data["ok"] is False
    assert [(e["row"], e["code"]) for e in data["errors"]] == [
        (2, "unknown_store"), (3, "negative_count"), (5, "duplicate_hour")]
    assert traffic_rows() == [("S001", local("2026-11-02T09:00"), 30)]  # only the first post


def test_an_oversized_counter_post_is_refused_before_reading_it(client, chain, counter_secret):
    rows = [{"store": "S001", "hour": "2026-11-02T09:00:00+08:00", "visitors": 1}] * 40_000
    body, headers = signed({"rows": rows})
    assert len(body) > 1024 * 1024
    response = _post(client, body, headers)
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"
    assert traffic_rows() == []


def test_without_a_configured_secret_the_endpoint_refuses_everything(client, chain):
    response = _post(client, *signed({"rows": []}))
    assert response.status_code == 503 and response.get_json()["error"] == "not_configured"


def test_hours_from_the_file_are_business_time(client, chain):
    add_traffic(chain["S002"], local("2026-11-01T07:00"), [1])
    assert traffic_rows()[0][1].astimezone(SHANGHAI).hour == 7


def test_a_decompression_bomb_is_refused_by_the_job_and_only_its_uploader_sees_it(
        client, chain, run_jobs):
    import tracemalloc

    from tests.sheetbomb import xlsx_bomb

    bomb = xlsx_bomb(300)  # ~300 kB zipped, 300 MiB of shared strings unpacked
    started = time.monotonic()
    response = _post_file(client, "dz1", "traffic", "traffic.xlsx", bomb)
    assert response.status_code == 303 and time.monotonic() - started < 1.0
    location = response.headers["Location"]
    pending = client.get(location).get_data(as_text=True)
    assert "处理中" in pending and 'data-import-status="' in pending
    assert client.get(location + "/status.json").get_json()["finished"] is False

    tracemalloc.start()
    started = time.monotonic()
    run_jobs()
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 5 and peak < 50 * 1024 * 1024
    page = client.get(location).get_data(as_text=True)
    assert 'data-status="refused"' in page and "压缩炸弹" in page
    assert client.get(location + "/status.json").get_json()["finished"] is True
    assert traffic_rows() == []
    from zhongshu.settings import get_settings

    saved = get_settings().instance_dir / "uploads" / "stores" / location.rsplit("/", 1)[-1]
    assert not saved.exists()  # the job deleted the file

    login(client, "zongbu")  # another uploader: the result is not theirs to see
    assert client.get(location).status_code == 404
    assert client.get(location + "/status.json").status_code == 404
