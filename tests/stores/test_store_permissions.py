"""A store manager sees only their own stores' numbers — on the list, the store page,
its JSON, the export, the comparison, the daily report, promotion check-ins, photos and
member trajectories — also when editing ids in the URL; reps see no store at all."""

from __future__ import annotations

from unittest import mock

import pytest
from sqlmodel import select

from models.org.user import User
from models.stores.scope import visible_stores
from tests.stores.storekit import add_sale, add_traffic, local
from tests.web.webkit import login
from zhongshu.db import session_scope


@pytest.fixture()
def numbers(chain):
    start = local("2026-11-20T09:00")
    for code, base in (("S001", 11), ("S002", 222), ("S003", 33)):
        add_traffic(chain[code], start, [base, base + 1])
    add_sale(chain["S001"], "R-1", local("2026-11-20T09:10"), "12.00", member="M9")
    add_sale(chain["S002"], "R-2", local("2026-11-21T09:10"), "77.00", member="M9")
    # The pages show the last four weeks: hold their clock a few days after these hours.
    with mock.patch("web.stores.common.now", return_value=local("2026-11-25T12:00")):
        yield chain


def _visible(userid: str) -> list[str]:
    with session_scope() as session:
        user = session.exec(select(User).where(User.wecom_userid == userid)).one()
        return [s.code for s in visible_stores(session, user)]


def test_scope_by_role(numbers):
    assert _visible("dz1") == ["S001", "S003"]
    assert _visible("dz2") == ["S002"]
    assert _visible("zongbu") == ["S001", "S002", "S003"]
    assert _visible("dongqu") == ["S001", "S002", "S003"]  # directors: all, region or not
    assert _visible("zhangwei") == [] and _visible("chenjing") == []


def test_a_manager_cannot_open_another_stores_numbers(client, numbers):
    login(client, "dz1")
    listing = client.get("/h5/stores").get_data(as_text=True)
    assert "幸福路店" in listing and "长江路店" in listing and "和平路店" not in listing
    other = numbers["S002"]
    for path in (f"/h5/stores/{other}", f"/h5/stores/{other}/export.csv",
                 f"/h5/stores/{other}/report", "/h5/stores/9999"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "222" not in response.get_data(as_text=True)
    response = client.get(f"/h5/stores/{other}.json")
    assert response.status_code == 404 and response.get_json() == {"error": "not found"}
    compare = client.get("/h5/stores/compare.json").get_json()
    assert [s["code"] for s in compare["stores"]] == ["S001", "S003"]

    own = client.get(f"/h5/stores/{numbers['S001']}.json").get_json()
    assert own["store"]["code"] == "S001" and own["traffic"] == 23
    export = client.get(f"/h5/stores/{numbers['S001']}/export.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    text = export.get_data().decode("utf-8-sig")
    assert "S001,2026-11-20 09:00,11,1,0.0909" in text and "S002" not in text


def test_a_member_trajectory_only_shows_the_managers_stores(client, numbers):
    login(client, "dz1")
    page = client.get("/h5/members/M9").get_data(as_text=True)
    assert "R-1" in page and "R-2" not in page and "77.00" not in page
    login(client, "zongbu")
    found = client.get("/h5/members?id=M9")
    assert found.status_code == 303 and found.headers["Location"].endswith("/h5/members/M9")
    page = client.get("/h5/members/M9").get_data(as_text=True)
    assert "R-1" in page and "R-2" in page and "共 2 笔，2 家门店，复购间隔中位数 1 天" in page


def test_reps_and_finance_see_no_store_page(client, numbers):
    for userid in ("zhangwei", "chenjing", "admin"):
        login(client, userid)
        assert client.get("/h5/stores").status_code == 403
        assert client.get(f"/h5/stores/{numbers['S001']}.json").status_code == 403
        assert client.get("/h5/promotions").status_code == 403


def test_only_a_manager_of_the_store_writes_its_report(client, numbers):
    token = login(client, "dz2")
    response = client.post(f"/h5/stores/{numbers['S001']}/report",
                           data={"csrf_token": token, "notes": "不是我的店"})
    assert response.status_code == 404
    token = login(client, "zongbu")
    response = client.post(f"/h5/stores/{numbers['S001']}/report",
                           data={"csrf_token": token, "notes": "x"})
    assert response.status_code == 403


def test_a_store_opens_by_its_code_within_the_same_scope(client, numbers):
    login(client, "dz1")
    for code in ("S001", "s001"):
        response = client.get(f"/h5/stores/{code}")
        assert response.status_code == 302, code
        assert response.headers["Location"].endswith(f"/h5/stores/{numbers['S001']}")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "S001" in page
    for code in ("S002", "MD999"):  # another manager's store reads as a missing one
        response = client.get(f"/h5/stores/{code}")
        assert response.status_code == 404, code
        assert "门店" in response.get_data(as_text=True)
    assert client.get("/h5/stores/compare").status_code == 200  # named pages still win
    login(client, "zongbu")
    assert client.get("/h5/stores/S002").headers["Location"].endswith(
        f"/h5/stores/{numbers['S002']}")
