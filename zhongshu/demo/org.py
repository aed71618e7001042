"""The demo organisation: the filter-material company's departments and its 38 people
(28 reps in 17 provinces, six regional supervisors, the sales director, finance and a
sales assistant). Every demo generator that needs the people imports them from here
(``data`` for the customers' owners, ``visits`` for the reps); ``run`` loads them as
users and serves them, with the store people, as the emulator's directory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from models.org import user as user_model

COMPANY = "越州滤材科技有限公司"

# -- the organisation ---------------------------------------------------------------------
DEMO_DEPARTMENTS: list[dict[str, Any]] = [
    {"id": 1, "name": COMPANY, "parentid": 0, "order": 100000000},
    {"id": 2, "name": "销售部", "parentid": 1, "order": 100000000},
    {"id": 3, "name": "华东销售一组", "parentid": 2, "order": 100000000},
    {"id": 4, "name": "财务部", "parentid": 1, "order": 99999000},
    {"id": 5, "name": "综合管理部", "parentid": 1, "order": 99998000},
    {"id": 6, "name": "华东销售二组", "parentid": 2, "order": 99990000},
    {"id": 7, "name": "华南销售组", "parentid": 2, "order": 99980000},
    {"id": 8, "name": "华北销售组", "parentid": 2, "order": 99970000},
    {"id": 9, "name": "华中销售组", "parentid": 2, "order": 99960000},
    {"id": 10, "name": "西南销售组", "parentid": 2, "order": 99950000},
]

POSITIONS = {"rep": "销售代表", "supervisor": "销售主管", "director": "销售总监",
             "finance": "财务", "admin": "销售助理"}


@dataclass(frozen=True)
class Person:
    userid: str  # WeCom userid (pinyin); the DingTalk userid is "dt_" + this
    name: str
    role: str
    department: int
    region: str | None
    province: str
    supervisor: str | None
    mobile: str

    @property
    def dingtalk_userid(self) -> str:
        return f"dt_{self.userid}"


def _team(department: int, region: str, supervisor: str,
          reps: list[tuple[str, str, str]], first_mobile: int) -> list[Person]:
    return [Person(uid, name, "rep", department, region, province, supervisor,
                   f"139{first_mobile + i:08d}") for i, (uid, name, province) in enumerate(reps)]


# The first six are the emulator's directory and must stay exactly as they are.
DEMO_ORG: list[Person] = [
    Person("zhangwei", "张伟", "rep", 3, "华东", "浙江", "wangfang", "13800000001"),
    Person("lina", "李娜", "rep", 3, "华东", "浙江", "wangfang", "13800000002"),
    Person("wangfang", "王芳", "supervisor", 3, "华东", "浙江", "liuyang", "13800000003"),
    Person("liuyang", "刘洋", "director", 2, None, "浙江", None, "13800000004"),
    Person("chenjing", "陈静", "finance", 4, None, "浙江", None, "13800000005"),
    Person("admin", "赵敏", "admin", 5, None, "浙江", None, "13800000006"),
    Person("zhoujie", "周杰", "supervisor", 6, "华东", "江苏", "liuyang", "13800000007"),
    Person("huangli", "黄丽", "supervisor", 7, "华南", "广东", "liuyang", "13800000008"),
    Person("zhaolei", "赵磊", "supervisor", 8, "华北", "北京", "liuyang", "13800000009"),
    Person("sunhao", "孙浩", "supervisor", 9, "华中", "湖北", "liuyang", "13800000010"),
    Person("wuqiang", "吴强", "supervisor", 10, "西南", "四川", "liuyang", "13800000011"),
    *_team(3, "华东", "wangfang", [
        ("yangfan", "杨帆", "浙江"), ("xuming", "徐明", "上海"), ("hejing", "何静", "福建"),
        ("guoqiang", "郭强", "江西")], 57100001),
    *_team(6, "华东", "zhoujie", [
        ("linfeng", "林峰", "江苏"), ("maliang", "马良", "江苏"), ("hanxue", "韩雪", "江苏"),
        ("luojun", "罗军", "安徽"), ("liangchen", "梁晨", "山东"), ("songtao", "宋涛", "山东")],
        57100101),
    *_team(7, "华南", "huangli", [
        ("tangwei", "唐伟", "广东"), ("fengyu", "冯宇", "广东"), ("dengchao", "邓超", "广东"),
        ("caili", "蔡莉", "广西"), ("xiekai", "谢凯", "广西")], 57100201),
    *_team(8, "华北", "zhaolei", [
        ("caojian", "曹健", "北京"), ("pengbo", "彭博", "天津"), ("zengyi", "曾毅", "河北"),
        ("xiaohong", "肖红", "河北")], 57100301),
    *_team(9, "华中", "sunhao", [
        ("tianye", "田野", "河南"), ("dongpeng", "董鹏", "湖北"), ("panwen", "潘文", "湖北"),
        ("yuanjie", "袁杰", "湖南")], 57100401),
    *_team(10, "西南", "wuqiang", [
        ("jiangtao", "蒋涛", "四川"), ("duyang", "杜洋", "四川"), ("weilin", "魏琳", "重庆")],
        57100501),
]


def load_demo_users(session: Session) -> int:
    """Upsert every person of ``DEMO_ORG`` as a user; returns how many."""
    order = {"director": 0, "supervisor": 1}  # bosses first: reporting lines point at users
    for person in sorted(DEMO_ORG, key=lambda p: order.get(p.role, 2)):
        user_model.upsert(session, wecom_userid=person.userid, name=person.name,
                          role=person.role, supervisor_userid=person.supervisor,
                          region=person.region, dingtalk_userid=person.dingtalk_userid)
    return len(DEMO_ORG)
