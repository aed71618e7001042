"""The dashboard, drill-down, export, chart and before/after pages through the Flask test
client: who may open them, that narrowing by URL never leaves the scope, exact figures."""

from __future__ import annotations

import io
import re
from unittest import mock

import pytest
from openpyxl import load_workbook
from PIL import Image

from cards.links import chart_path
from tests.dashboard.dashkit import NOW, WEEK, build
from web.auth.identity import SESSION_CSRF, SESSION_USER


@pytest.fixture()
def ids() -> dict[str, int]:
    return build()


@pytest.fixture(autouse=True)
def _clock():
    with mock.patch("web.dashboard.pages._now", return_value=NOW):
        yield


def login(client, userid: str) -> None:
    with client.session_transaction() as sess:
        sess.clear()
        sess[SESSION_USER] = userid
        sess[SESSION_CSRF] = f"csrf-{userid}-0123456789abcdef"


def test_director_sees_the_four_metrics_and_teams(client, ids) -> None:
    login(client, "boss")
    page = client.get(f"/h5/dashboard?week={WEEK}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("拜访覆盖率", "50.0%", "线索转化周期", "74.0 天", "回款率", "52.6%",
                 "流程合规率", "75.0%", "僵尸客户占比", "40.0%", "虚假拜访率", "33.3%",
                 "合同审批时长", "2.2 天", "回款预测准确率", "88.9%", "王芳", "孙丽",
                 "vendor/echarts/echarts.min.js", "数据更新于"):
        assert text in html, text
    data = client.get(f"/h5/dashboard/data?week={WEEK}").get_json()
    assert data["health"]["coverage"] == 0.5 and len(data["trend"]["weeks"]) == 12
    # The coaching list per team: lina (0 %); reps at 100 % are not "the lowest".
    assert [(c["team"], c["name"], c["rate"]) for c in data["coach"]] == [
        ("王芳", "李娜", "0%")]
    coach = html.split('id="coach"', 1)[1].split("</table>", 1)[0]
    assert "<th>团队</th><th>业务员</th><th>拜访</th><th>流程合规率</th>" in coach
    assert "张伟" not in coach and "赵磊" not in coach


def test_supervisor_is_held_to_the_team(client, ids) -> None:
    login(client, "wangfang")
    html = client.get(f"/h5/dashboard?week={WEEK}").get_data(as_text=True)
    assert "我的团队" in html and "赵磊" not in html and "33.3%" in html
    for url in ("/h5/dashboard?team=sunli", "/h5/dashboard?rep=zhaolei",
                "/h5/dashboard/coaching.xlsx?team=sunli", "/h5/drill?region=华南",
                f"/h5/drill?customer={ids['c4']}", "/h5/drill?region=华东&grade=Z",
                "/h5/drill?customer=abc"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "广州粤达" not in response.get_data(as_text=True)
    for url in ("/h5/dashboard/data?team=sunli", f"/h5/drill/data?customer={ids['c4']}"):
        assert client.get(url).status_code == 404
    assert client.get(f"/h5/drill/data?customer={ids['c1']}").status_code == 200


@pytest.mark.parametrize("userid", ["zhangwei", "admin", "chenjing"])
def test_other_roles_are_refused(client, ids, userid: str) -> None:
    login(client, userid)
    for url in ("/h5/dashboard", "/h5/drill", "/h5/dashboard/compare",
                "/h5/dashboard/coaching.xlsx"):
        assert client.get(url).status_code == 403
    assert client.get("/h5/drill/data").status_code == 403


def test_not_signed_in_goes_through_oauth(client, ids) -> None:
    assert client.get("/h5/dashboard").status_code == 401
    assert client.get("/h5/drill/data").status_code == 401


def test_drill_json_levels(client, ids) -> None:
    login(client, "liuyang")
    top = client.get(f"/h5/drill/data?week={WEEK}").get_json()
    assert [r["cells"] for r in top["rows"]] == [["华东", 4, 2, "¥3,500"]]
    grades = client.get(f"/h5/drill/data?region=华东&week={WEEK}").get_json()
    assert [r["cells"][:3] for r in grades["rows"]] == [["A级", 2, 1], ["B级", 1, 1],
                                                         ["C级", 1, 0]]
    buyers = client.get(f"/h5/drill/data?region=华东&grade=A&week={WEEK}").get_json()
    assert buyers["rows"][0]["cells"] == ["杭州精工机械", 2, "¥3,000", "2026-11-17"]
    one = client.get(buyers["rows"][0]["href"].replace("/h5/drill", "/h5/drill/data")
                     + f"&week={WEEK}").get_json()
    assert one["rows"][0]["cells"] == ["2026-11-17 10:00", "SO-002", "¥2,000", "M-100、M-200"]
    assert one["trend"]["repeat_amount"][-1] == 2000


def test_coaching_export(client, ids) -> None:
    login(client, "boss")
    response = client.get(f"/h5/dashboard/coaching.xlsx?week={WEEK}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ("团队主管", "业务员", "拜访数", "合规拜访数", "合规率")
    assert rows[1:] == [("王芳", "李娜", 1, 0, 0)]
    assert sheet.title == f"{WEEK} 辅导名单"
    assert sheet["A1"].font.b and sheet["E2"].number_format == "0.0%"


def test_chart_png_needs_its_signature(client, ids) -> None:
    good = client.get(chart_path("wangfang", WEEK))
    assert good.status_code == 200 and good.mimetype == "image/png"
    assert Image.open(io.BytesIO(good.data)).size[0] == 640
    assert client.get(chart_path("wangfang", WEEK).replace("sig=", "sig=0")).status_code == 404
    forged = chart_path("wangfang", WEEK).replace("team=wangfang", "team=sunli")
    assert client.get(forged).status_code == 404


def test_before_after_page(client, ids) -> None:
    login(client, "boss")
    html = client.get("/h5/dashboard/compare?before_from=2026-08-01&before_to=2026-10-31"
                      "&after_from=2026-11-01&after_to=2026-11-22").get_data(as_text=True)
    for text in ("管理时间耗在杂务上的占比", "40.0%", "0.0%", "过程数据完整度", "75.0%",
                 "合同审批天数", "1.5 天", "3.5 天", "回款预测准确率", "88.9%"):
        assert text in html, text


def test_the_zombie_tile_follows_the_zombie_rule_set_by_the_admin(client, ids) -> None:
    from rq.job import Job

    from models.dashboard import refresh
    from models.rules import rule as rules
    from zhongshu.queues import get_queue

    login(client, "boss")
    html = client.get(f"/h5/dashboard?week={WEEK}").get_data(as_text=True)
    assert "90 天无成交的客户占比" in html and "40.0%" in html
    # The admin makes it 200 days in the message center.
    login(client, "admin")
    form = {"csrf_token": "csrf-admin-0123456789abcdef", "enabled": "on",
            "threshold.days": "200", "schedule.time": "09:00",
            "recipients": "rep, supervisor", "channel": "wecom"}
    assert client.post(f"/admin/rules/{rules.ZOMBIE}", data=form).status_code == 303
    # The recount is queued at once; the worker runs it (as of the data set's clock).
    job = Job.fetch(refresh.ROLLUP_JOB_RECENT, connection=get_queue().connection)
    with mock.patch("jobs.dashboard.utcnow", return_value=NOW):
        job.perform()
    # 200 days before 11-20 is 05-04: only c5 (created 01-05, last order 03-01) and c6
    # (02-01, never ordered) are old enough, and both are zombies.
    login(client, "boss")
    data = client.get(f"/h5/dashboard/data?week={WEEK}").get_json()
    assert (data["health"]["zombies"], data["health"]["customers"]) == (2, 2)
    tile = next(t for t in data["tiles"] if t["key"] == "zombie_ratio")
    assert tile == {"key": "zombie_ratio", "label": "僵尸客户占比", "value": "100.0%",
                    "hint": "200 天无成交的客户占比", "state": "bad", "state_text": "未达标",
                    "target": "目标 ≤ 20%"}


def test_tiles_are_coloured_by_their_target_not_green_by_default(client, ids) -> None:
    login(client, "boss")
    html = client.get(f"/h5/dashboard?week={WEEK}").get_data(as_text=True)
    states = dict(re.findall(r'data-metric="(\w+)" data-state="(\w+)"', html))
    # coverage 50 % (target 90 %, warning 70 %), compliance 75 %, fake visits 33.3 %,
    # forecast 88.9 % (target 85 %), approval 2.2 days (target 1.5, warning 3).
    assert states == {"coverage": "bad", "conversion_days": "bad",
                      "collection_rate": "bad", "compliance": "warn",
                      "zombie_ratio": "warn", "fake_rate": "bad", "approval_days": "warn",
                      "forecast_accuracy": "good"}
    assert '<div class="zs-tile__target">目标 ≥ 90% · <span class="zs-tile__state">未达标' in html
    assert "目标 ≤ 1.5 天" in html


def test_a_team_all_at_full_compliance_has_nobody_to_coach(client, ids) -> None:
    login(client, "sunli")
    html = client.get(f"/h5/dashboard?week={WEEK}").get_data(as_text=True)
    assert 'id="coach"' not in html
    assert "本周没有需要辅导的业务员" in html
