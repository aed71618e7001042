"""Demo customers and their sales history: the industrial filter-material company of the
source article (its people are ``zhongshu.demo.org``).

A B2B maker of industrial filter media in Shaoxing (绍兴) with ~3,000 customers owned by
its 28 reps, two years of orders, service tickets and communication records. About
63% of the customers have had no order in the last 90 days (the article's "zombie"
share), so the wake-up and zombie rules and the dashboards have something to show.

Everything is generated from a fixed seed: the same customers and phone numbers on every
machine. Dates are relative to "now", so the demo always looks current.
``demo_locations()`` gives the places the emulator's phones can "be", next to those
customers. ``zhongshu.demo.run`` loads it (``load_demo_customers``) with the other domains."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from lib.geo import to_wgs84
from lib.phone import PhoneError, normalise_phone
from lib.regions import region_of
from models.customers.communication import Communication
from models.customers.customer import Customer, name_key
from models.customers.orders import OrderLine, SalesOrder
from models.customers.ticket import ServiceTicket
from zhongshu.demo.org import DEMO_ORG
from zhongshu.progress import with_progress

SEED = 20251201
COUNT_KEYS = ("customers", "orders", "order_lines", "tickets", "communications")

# -- places, companies, products ----------------------------------------------------------
# city → (province, area code, WGS-84 latitude, longitude of the centre)
CITIES: dict[str, tuple[str, str, float, float]] = {
    "杭州": ("浙江", "0571", 30.2741, 120.1551), "宁波": ("浙江", "0574", 29.8683, 121.5440),
    "绍兴": ("浙江", "0575", 30.0303, 120.5802), "温州": ("浙江", "0577", 27.9939, 120.6994),
    "嘉兴": ("浙江", "0573", 30.7461, 120.7555), "湖州": ("浙江", "0572", 30.8930, 120.0868),
    "上海": ("上海", "021", 31.2304, 121.4737),
    "福州": ("福建", "0591", 26.0745, 119.2965), "厦门": ("福建", "0592", 24.4798, 118.0894),
    "泉州": ("福建", "0595", 24.8741, 118.6757),
    "南昌": ("江西", "0791", 28.6820, 115.8579), "九江": ("江西", "0792", 29.7051, 116.0019),
    "南京": ("江苏", "025", 32.0603, 118.7969), "苏州": ("江苏", "0512", 31.2989, 120.5853),
    "无锡": ("江苏", "0510", 31.4912, 120.3119), "常州": ("江苏", "0519", 31.8107, 119.9741),
    "合肥": ("安徽", "0551", 31.8206, 117.2272), "芜湖": ("安徽", "0553", 31.3525, 118.4331),
    "济南": ("山东", "0531", 36.6512, 117.1201), "青岛": ("山东", "0532", 36.0671, 120.3826),
    "淄博": ("山东", "0533", 36.8131, 118.0548), "潍坊": ("山东", "0536", 36.7069, 119.1618),
    "广州": ("广东", "020", 23.1291, 113.2644), "深圳": ("广东", "0755", 22.5431, 114.0579),
    "佛山": ("广东", "0757", 23.0215, 113.1214), "东莞": ("广东", "0769", 23.0207, 113.7518),
    "南宁": ("广西", "0771", 22.8170, 108.3665), "柳州": ("广西", "0772", 24.3264, 109.4281),
    "北京": ("北京", "010", 39.9042, 116.4074),
    "天津": ("天津", "022", 39.3434, 117.3616),
    "石家庄": ("河北", "0311", 38.0428, 114.5149), "唐山": ("河北", "0315", 39.6309, 118.1802),
    "邯郸": ("河北", "0310", 36.6256, 114.5391),
    "郑州": ("河南", "0371", 34.7466, 113.6254), "洛阳": ("河南", "0379", 34.6197, 112.4540),
    "武汉": ("湖北", "027", 30.5928, 114.3055), "宜昌": ("湖北", "0717", 30.6919, 111.2865),
    "长沙": ("湖南", "0731", 28.2282, 112.9388), "岳阳": ("湖南", "0730", 29.3571, 113.1289),
    "成都": ("四川", "028", 30.5728, 104.0668), "绵阳": ("四川", "0816", 31.4678, 104.6796),
    "宜宾": ("四川", "0831", 28.7513, 104.6417),
    "重庆": ("重庆", "023", 29.5630, 106.5516),
}
CITIES_BY_PROVINCE: dict[str, list[str]] = {}
for _city, (_province, *_rest) in CITIES.items():
    CITIES_BY_PROVINCE.setdefault(_province, []).append(_city)

# industry → words that go into such a company's name
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "水泥建材": ("水泥", "建材", "新型建材"),
    "钢铁冶金": ("钢铁", "特钢", "冶金"),
    "电力热电": ("热电", "电力", "能源"),
    "垃圾焚烧": ("环境能源", "再生能源", "环保能源"),
    "化工": ("化工", "精细化工", "新材料"),
    "制药": ("制药", "生物医药", "药业"),
    "食品饮料": ("食品", "饮料", "乳业"),
    "污水处理": ("水务", "环境工程", "水处理"),
    "矿山": ("矿业", "矿山机械", "石材"),
    "环保设备": ("环保科技", "环保设备", "除尘设备"),
    "锂电新能源": ("锂电", "新能源材料", "电池材料"),
    "纺织印染": ("印染", "纺织", "化纤"),
}
BRANDS = (
    "恒达", "华强", "鑫源", "永盛", "金泰", "瑞丰", "宏远", "天成", "博远", "兴业", "东方",
    "万通", "凯盛", "德润", "明阳", "蓝天", "清源", "正泰", "荣华", "海川", "中诚", "长兴",
    "新亚", "富春", "越华", "嘉诚", "华美", "信达", "金鹰", "银河", "三友", "四海", "北辰",
    "南洋", "远大", "昌盛", "汇丰", "融通", "顺发", "腾飞", "龙腾", "凤凰", "宝丰", "鼎盛",
    "华润", "中联", "国泰", "安泰", "康达", "绿源", "碧水", "青山", "联创", "精诚", "同舟",
    "众合", "利民", "福瑞", "祥和", "启明", "光华", "东升", "晨光", "振华", "建华", "宏达",
)
SUFFIXES = (("有限公司", 60), ("股份有限公司", 15), ("有限责任公司", 10),
            ("集团有限公司", 5), ("厂", 10))
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
         "涛", "明", "超", "秀英", "华", "慧", "建华", "建国", "志强", "海燕", "国庆", "晓东",
         "春梅", "文博", "子豪", "宇航", "思远", "立新", "红梅", "永刚", "卫东", "德明")
ROADS = ("创业路", "科技大道", "滨江路", "工业大道", "兴业路", "经一路", "纬三路", "环城北路",
         "开发大道", "人民路", "解放路", "中山路", "建设路", "长江路", "黄河路", "新华路")
ZONES = ("经济技术开发区", "高新区", "工业园区", "滨海新区", "产业园", "临港工业区")
INTENTS = ("询价PPS除尘滤袋", "需要覆膜滤料样品", "除尘器滤袋到期更换", "比价中，关注交期",
           "年度框架采购", "有超低排放技改项目", "试用纳米覆膜滤筒", "压滤布损耗大想换供应商",
           "关注耐高温滤袋", "需要技术交流", "预算审批中", "想了解玻纤滤袋价格")

# model, unit price (yuan), quantity range, industries that buy it
PRODUCTS: tuple[tuple[str, Decimal, tuple[int, int], tuple[str, ...]], ...] = (
    ("FB-PPS-550", Decimal(85), (12, 200), ("电力热电", "垃圾焚烧", "化工")),
    ("FB-PTFE-750", Decimal(260), (5, 100), ("垃圾焚烧", "电力热电", "化工", "制药")),
    ("FB-P84-500", Decimal(180), (7, 125), ("水泥建材", "钢铁冶金", "电力热电")),
    ("FB-GF-800", Decimal(120), (12, 150), ("水泥建材", "钢铁冶金")),
    ("FB-PE-500", Decimal(38), (25, 500), ("矿山", "钢铁冶金", "环保设备", "纺织印染")),
    ("FM-PTFE-M", Decimal(95), (25, 750), ("环保设备", "锂电新能源", "制药")),
    ("FC-PES-325", Decimal(210), (2, 50), ("食品饮料", "制药", "环保设备", "锂电新能源")),
    ("FC-NANO-352", Decimal(320), (2, 37), ("锂电新能源", "制药", "环保设备")),
    ("FP-PP-750B", Decimal(28), (50, 1250), ("污水处理", "矿山", "化工", "食品饮料")),
    ("FP-PA-663", Decimal(45), (25, 750), ("污水处理", "矿山", "化工")),
    ("FS-CAGE-160", Decimal(55), (12, 200), ("水泥建材", "钢铁冶金", "电力热电", "环保设备")),
)
TICKET_SUBJECTS = ("滤袋破损更换", "除尘器压差偏高排查", "交货延期", "发票信息有误",
                   "样品测试报告", "袋笼尺寸不符", "安装指导", "滤布透气量不达标")
SUMMARIES = {
    "wechat": ("发了新款覆膜滤料资料，客户说下周看", "客户问PPS滤袋交期，答复两周",
               "节日问候，顺便提了年度采购计划", "客户发来现场除尘器照片，待出方案"),
    "phone": ("电话确认样品已收到", "客户反馈上批滤袋使用正常", "沟通报价，客户嫌贵",
              "约下周上门做技术交流"),
    "visit": ("现场查看除尘器运行情况，压差偏高", "拜访设备部长，介绍PTFE覆膜滤袋",
              "陪同技术人员测量袋笼尺寸", "拜访采购，了解年度招标时间"),
    "meeting": ("参加客户技改方案评审会", "年度供应商大会"),
}
CHANNEL_WEIGHTS = (("wechat", 45), ("phone", 30), ("visit", 20), ("meeting", 5))
MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "152", "157", "158",
                   "159", "182", "183", "187", "188", "130", "131", "132", "155", "156",
                   "185", "186", "133", "153", "180", "181", "189", "177", "173", "199",
                   "166", "198")


# -- generation ---------------------------------------------------------------------------
@dataclass
class _Plan:
    customers: list[dict[str, Any]]
    orders: list[dict[str, Any]]  # with "_customer" (index) and "_lines"
    tickets: list[dict[str, Any]]
    communications: list[dict[str, Any]]


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """The public GCJ-02 offset formula, so points labelled gcj02 really are."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lng - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
            + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
            + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3)
    dlng = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
            + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
            + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3)
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    dlng = (dlng * 180.0) / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lat + dlat, lng + dlng


# -- where the emulator's phones can "be" (the demo's location picker) ----------------------
DEMO_PHONES = ("zhangwei", "lina")
LOCATION_AT = "在 {customer}（约 {m} 米）"
LOCATION_OFFICE = "公司办公室（距 {customer} 约 {km} 公里）"
LOCATION_FAR = "{city}（距 {customer} 约 {km} 公里）"


def _offset(lat: float, lng: float, metres: float, bearing: float) -> tuple[float, float]:
    rad = math.radians(bearing)
    dlat = metres * math.cos(rad) / 111_320
    dlng = metres * math.sin(rad) / (111_320 * math.cos(math.radians(lat)))
    return lat + dlat, lng + dlng


def demo_locations(count: int = 80) -> list[dict[str, Any]]:
    """For each rep whose phone the emulator shows: their first three customers' places
    as a phone reports them there (GCJ-02, as WeCom does, 40–350 m off like a real fix)
    and, to try a flagged check-in, the office 12 km from the first one and a city 160 km
    away. Computed from the demo's seeded plan, so they match the loaded customers."""
    now = datetime.now(UTC)
    plan = _plan(count, now).customers
    rng = random.Random(SEED + 7)
    out: list[dict[str, Any]] = []
    for userid in DEMO_PHONES:
        mine = [c for c in plan if c["owner"] == userid][:3]
        for customer in mine:
            lat, lng = to_wgs84(customer["latitude"], customer["longitude"], customer["coord"])
            metres = rng.uniform(40, 350)
            glat, glng = _wgs84_to_gcj02(*_offset(lat, lng, metres, rng.uniform(0, 360)))
            out.append({"name": LOCATION_AT.format(customer=customer["name"],
                                                   m=int(round(metres, -1))),
                        "lat": round(glat, 6), "lng": round(glng, 6), "coord": "gcj02",
                        "precision": round(rng.uniform(15, 65)), "user": userid})
        if mine:
            first = mine[0]
            lat, lng = to_wgs84(first["latitude"], first["longitude"], first["coord"])
            for template, km, city in ((LOCATION_OFFICE, 12, ""), (LOCATION_FAR, 160, "外地")):
                # North-west: inland from the coast of Zhejiang.
                glat, glng = _wgs84_to_gcj02(*_offset(lat, lng, km * 1000,
                                                      rng.uniform(280, 320)))
                out.append({"name": template.format(customer=first["name"], km=km, city=city),
                            "lat": round(glat, 6), "lng": round(glng, 6), "coord": "gcj02",
                            "precision": 30, "user": userid})
    return out


def _phone(rng: random.Random, area: str, used: set[str]) -> str:
    while True:
        if rng.random() < 0.88:
            raw = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        else:
            raw = f"{area}-{rng.randint(2, 8)}{rng.randrange(10**7):07d}"
        try:
            phone = normalise_phone(raw)
        except PhoneError:
            continue
        if phone not in used:
            used.add(phone)
            return phone


def _plan(count: int, now: datetime) -> _Plan:
    rng = random.Random(SEED)
    reps = [p for p in DEMO_ORG if p.role == "rep"]
    # A long tail: some reps hold three times the book of others.
    rep_weights = [rng.uniform(1, 3) for _ in reps]
    # The emulator's two reps get a full book, so the demo's own phones show a lot.
    rep_weights = [3.0 if p.userid in ("zhangwei", "lina") else w
                   for p, w in zip(reps, rep_weights, strict=True)]
    used_phones: set[str] = set()
    used_keys: set[str] = set()
    customers: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    tickets: list[dict[str, Any]] = []
    comms: list[dict[str, Any]] = []
    order_seq = 0
    industries = list(INDUSTRIES)
    for index in range(count):
        rep = rng.choices(reps, weights=rep_weights)[0]
        city = rng.choice(CITIES_BY_PROVINCE[rep.province])
        province, area, lat0, lng0 = CITIES[city]
        industry = rng.choice(industries)
        while True:
            suffix = _pick(rng, SUFFIXES)
            name = f"{city}{rng.choice(BRANDS)}{rng.choice(INDUSTRIES[industry])}{suffix}"
            if name_key(name) not in used_keys:
                used_keys.add(name_key(name))
                break
        lat, lng = lat0 + rng.gauss(0, 0.06), lng0 + rng.gauss(0, 0.07)
        coord = "gcj02" if rng.random() < 0.7 else "wgs84"
        if coord == "gcj02":
            lat, lng = _wgs84_to_gcj02(lat, lng)
        grade = _pick(rng, (("A", 15), ("B", 35), ("C", 50)))
        # 35% ordered in the last 90 days, 46% ordered before that, 19% never ordered.
        kind = _pick(rng, (("active", 35), ("zombie", 46), ("lead", 19)))
        newest = rng.randint(1, 89) if kind == "active" else rng.randint(91, 700)
        age_days = rng.randint(30, 900)
        if kind != "lead":
            age_days = max(age_days, newest + rng.randint(10, 200))
        created_at = now - timedelta(days=age_days, minutes=rng.randrange(24 * 60))
        customer: dict[str, Any] = {
            "name": name, "name_key": name_key(name),
            "contact": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "phone": _phone(rng, area, used_phones), "industry": industry,
            "intent": rng.choice(INTENTS), "grade": grade, "region": region_of(province),
            "province": province, "city": city,
            "address": f"{city}市{rng.choice(ZONES)}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            "latitude": round(lat, 6), "longitude": round(lng, 6), "coord": coord,
            "owner": rep.userid,
            "source": _pick(rng, (("import", 70), ("quick_register", 20), ("chat", 10))),
            "stage": "won", "created_at": created_at, "updated_at": created_at,
            "last_interaction_at": None, "last_order_at": None, "extra": None,
        }
        customers.append(customer)

        order_days: list[int] = []
        if kind != "lead":
            oldest = max(newest, min(age_days - 1, 730))
            gap = {"A": (15, 45), "B": (30, 90), "C": (60, 180)}[grade]
            day = newest
            while day <= oldest:
                order_days.append(day)
                day += rng.randint(*gap)
            if not order_days:
                order_days = [newest]
        else:
            customer["stage"] = _pick(rng, (("lead", 50), ("intent", 30), ("quote", 20)))
        if kind == "zombie" and rng.random() < 0.3:
            customer["stage"] = "lost"
        buys = [p for p in PRODUCTS if industry in p[3]] or list(PRODUCTS)
        for day in sorted(order_days, reverse=True):
            ordered_at = (now - timedelta(days=day)).replace(
                hour=rng.randint(1, 10), minute=rng.randrange(60), second=0, microsecond=0)
            order_seq += 1
            lines = []
            for model, price, (low, high), _ in rng.sample(buys, k=min(len(buys),
                                                                       rng.randint(1, 3))):
                quantity = Decimal(rng.randint(low, high))
                discount = Decimal(str(round(rng.uniform(0.85, 1.05), 3)))
                amount = (price * quantity * discount).quantize(Decimal("0.01"), ROUND_HALF_UP)
                lines.append({"product_model": model, "quantity": quantity, "amount": amount})
            orders.append({
                "order_no": f"SO{ordered_at:%Y%m%d}{order_seq:05d}", "_customer": index,
                "ordered_at": ordered_at, "amount": sum(line["amount"] for line in lines),
                "owner": rep.userid, "source": "import", "created_at": ordered_at,
                "updated_at": ordered_at, "_lines": lines,
            })
            customer["last_order_at"] = max(customer["last_order_at"] or ordered_at, ordered_at)
        if order_days and rng.random() < 0.08:
            for _ in range(rng.randint(1, 2)):
                opened = now - timedelta(days=rng.randint(1, min(age_days, 700)))
                status = _pick(rng, (("closed", 60), ("resolved", 20), ("in_progress", 10),
                                     ("open", 10)))
                tickets.append({
                    "_customer": index, "subject": rng.choice(TICKET_SUBJECTS), "detail": None,
                    "status": status, "opened_by": rep.userid, "assignee": rep.userid,
                    "opened_at": opened,
                    "closed_at": opened + timedelta(days=rng.randint(1, 10))
                    if status in ("closed", "resolved") else None,
                })
        # Interactions: mostly around orders; half the book has been quiet for 30+ days.
        recent = rng.randint(0, 25) if rng.random() < 0.45 else \
            rng.randint(31, max(31, min(age_days, 400)))
        for n in range(rng.randint(1, 6)):
            day = recent + n * rng.randint(5, 40)
            if day > age_days:
                break
            channel = _pick(rng, CHANNEL_WEIGHTS)
            at = now - timedelta(days=day, minutes=rng.randrange(8 * 60))
            comms.append({"_customer": index, "user_id": rep.userid, "at": at,
                          "channel": channel, "summary": rng.choice(SUMMARIES[channel])})
            if customer["last_interaction_at"] is None or at > customer["last_interaction_at"]:
                customer["last_interaction_at"] = at
    return _Plan(customers, orders, tickets, comms)


# -- loading ------------------------------------------------------------------------------


def _batches(rows: list[dict[str, Any]], size: int = 2000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def load_demo_customers(session: Session, *, now: datetime, customers: int = 3000,
                        progress: bool = True) -> dict[str, int]:
    """Write ``customers`` demo customers with their orders, service tickets and
    communications, unless they are there already (checked by their generated phone
    numbers); returns rows written per table."""
    plan = _plan(customers, now)
    counts = dict.fromkeys(COUNT_KEYS, 0)
    sample = [c["phone"] for c in plan.customers[:50]]
    table = Customer.__table__  # type: ignore[attr-defined]
    already = session.execute(select(table.c.id).where(
        table.c.phone.in_(sample)).limit(1)).first()
    if already is None:
        total = (len(plan.customers) + len(plan.orders) + len(plan.tickets)
                 + len(plan.communications) + sum(len(o["_lines"]) for o in plan.orders))
        with_progress(lambda advance: _write(session, plan, counts, advance),
                      total=total, label="载入演示数据", show=progress)
    return counts


def _write(session: Session, plan: _Plan, counts: dict[str, int],
           advance: Callable[[int], None]) -> None:
    def bulk(table: Any, rows: list[dict[str, Any]]) -> None:
        for chunk in _batches(rows):
            session.execute(insert(table), chunk)
            advance(len(chunk))

    customers = Customer.__table__  # type: ignore[attr-defined]
    orders = SalesOrder.__table__  # type: ignore[attr-defined]
    bulk(customers, plan.customers)
    phones: list[str] = [c["phone"] for c in plan.customers]
    ids: dict[str, int] = {}
    for start in range(0, len(phones), 1000):
        ids.update(session.execute(select(customers.c.phone, customers.c.id).where(
            customers.c.phone.in_(phones[start:start + 1000]))).all())
    customer_id = [ids[p] for p in phones]

    def with_customer(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if not k.startswith("_")}
                | {"customer_id": customer_id[r["_customer"]]} for r in rows]

    bulk(orders, with_customer(plan.orders))
    order_ids: dict[str, int] = {}
    numbers = [o["order_no"] for o in plan.orders]
    for start in range(0, len(numbers), 1000):
        order_ids.update(session.execute(select(orders.c.order_no, orders.c.id).where(
            orders.c.order_no.in_(numbers[start:start + 1000]))).all())
    lines = [line | {"order_id": order_ids[o["order_no"]]}
             for o in plan.orders for line in o["_lines"]]
    bulk(OrderLine.__table__, lines)  # type: ignore[attr-defined]
    bulk(ServiceTicket.__table__, with_customer(plan.tickets))  # type: ignore[attr-defined]
    bulk(Communication.__table__, with_customer(plan.communications))  # type: ignore[attr-defined]
    counts.update(customers=len(plan.customers), orders=len(plan.orders),
                  order_lines=len(lines), tickets=len(plan.tickets),
                  communications=len(plan.communications))
