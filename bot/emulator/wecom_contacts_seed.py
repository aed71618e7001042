"""Generated WeCom 客户联系 data: the default corp tag library and, when
``EmulatorConfig.wecom_contacts_per_user`` > 0, that many customers for every directory
user, the same on every reset for one ``wecom_contacts_seed``.

The customers look like a sales team's real WeChat list: mostly Chinese names, some
nicknames, emoji or empty names; about half carry a remark such as "王总-华东机械"; about a
third name one of a few dozen companies ("杭州华东机械有限公司"), so several customers share
a company; remark mobiles typed every which way; a few customers are followed by two reps
(the same external_userid under both). 50 users x 1,000 customers take well under a second.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import TypeVar

from bot.emulator.config import EmulatorConfig
from bot.emulator.wecom_contacts_state import (
    TYPE_WECHAT,
    TYPE_WECOM,
    ContactBook,
    ExternalContact,
    FollowRecord,
    make_id,
)

DEFAULT_TAG_GROUPS: list[tuple[str, list[str]]] = [
    ("客户等级", ["A级", "B级", "C级"]),
    ("行业", ["制造", "零售", "医疗", "教育"]),
]

TWO_YEARS = 2 * 365 * 24 * 3600

def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
            "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹")
GIVEN = _words("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 "
               "秀英 华 慧 建国 建华 志强 海燕 晓东 丽华 红梅 文博 子涵 "
               "欣怡 浩然 宇轩 雨桐 梓萱 俊杰 国庆 春生 玉兰 桂英 德明 立新 "
               "永刚 雪梅 佳怡 思远 卫东 秋菊 振华")
NICKNAMES = _words("阳光 Lucy Jason A-建材老李 追风少年 平安是福 Tony "
                   "静待花开 简单 Amy 老张 木子 大鹏 Coco 一路向北 小鱼儿 "
                   "Kevin 随遇而安 Grace 海阔天空")
EMOJI = ("🌸", "😊", "🍀", "🌈", "🔥", "⭐", "🐯", "☀️", "🍵", "💼")
TITLES = ("总", "总", "经理", "老板", "工", "主任", "姐", "哥")
CITIES = _words("杭州 上海 苏州 宁波 南京 无锡 温州 嘉兴 合肥 常州 绍兴 金华")
BRANDS = _words("华东 恒泰 远景 鑫达 宏远 瑞丰 金桥 永盛 天成 中鼎 博源 新锐 "
                "丰华 盛世 嘉禾 同创 汇通 立信")
# (word in the company name, 行业 tag)
TRADES = (("机械", "制造"), ("机电", "制造"), ("五金", "制造"), ("精密", "制造"),
          ("商贸", "零售"), ("百货", "零售"), ("连锁", "零售"), ("医疗器械", "医疗"),
          ("药业", "医疗"), ("教育科技", "教育"), ("培训", "教育"))
DESCRIPTIONS = ("展会认识，对数控设备感兴趣", "老客户介绍", "年底有采购计划", "价格敏感，先发报价",
                "负责采购，决策人是老板", "需要上门演示")
CHANNELS = ("expo2026", "web_form", "poster_shanghai", "live0312")

# add_way (WeCom 92114) with how often a sales team sees each: 1 扫描二维码, 2 搜索手机号,
# 3 名片分享, 4 群聊, 5 手机通讯录, 6 微信联系人, 16 获客链接, 0 未知, 202 管理员分配.
ADD_WAYS = (1, 2, 3, 4, 5, 6, 16, 0, 202)
ADD_WAY_CUM = tuple(accumulate((30, 20, 8, 8, 10, 12, 6, 3, 3)))
# Ways the customer starts: oper_userid is then the customer, else the rep.
CUSTOMER_STARTED = frozenset({1, 3, 4, 16})


T = TypeVar("T")


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    # random.choice costs ten times random(); 50,000 customers make that count.
    return items[int(rng.random() * len(items))]


def _companies(rng: random.Random, count: int = 40) -> list[tuple[str, str, str]]:
    """(full name, short name, 行业) of the companies customers work at."""
    seen: dict[str, tuple[str, str, str]] = {}
    while len(seen) < count:
        brand, (word, trade) = _pick(rng, BRANDS), _pick(rng, TRADES)
        short = brand + word
        suffix = _pick(rng, ("有限公司", "有限公司", "股份有限公司", "科技有限公司"))
        if word.endswith("科技") and suffix == "科技有限公司":
            suffix = "有限公司"
        seen.setdefault(short, (_pick(rng, CITIES) + short + suffix, short, trade))
    return list(seen.values())


def _mobile(rng: random.Random) -> str:
    digits = "1" + _pick(rng, "3456789") + f"{int(rng.random() * 1e9):09d}"
    style = rng.randrange(4)
    if style == 0:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 1:
        return f"+86-{digits}"
    if style == 2:
        return f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return digits


def _name(rng: random.Random, surname: str) -> str:
    roll = rng.random()
    if roll < 0.03:
        return ""
    if roll < 0.10:
        core = _pick(rng, NICKNAMES) if rng.random() < 0.5 else surname + _pick(rng, GIVEN)
        return _pick(rng, EMOJI) + core if rng.random() < 0.5 else core + _pick(rng, EMOJI)
    if roll < 0.28:
        return _pick(rng, NICKNAMES)
    return surname + _pick(rng, GIVEN)


class _Generator:
    def __init__(self, book: ContactBook, seed: int, now: float) -> None:
        self.book = book
        self.rng = random.Random(f"zhongshu-contacts:{seed}")
        self.now = int(now)
        self.companies = _companies(self.rng)
        self.level_tags = [book.tag_named(f"客户等级/{n}") for n in ("A级", "B级", "C级")]
        self.trade_tags = {t: book.tag_named(f"行业/{t}") for t in ("制造", "零售", "医疗", "教育")}
        # Tag tuples are shared between records: thousands of records, a dozen tuples.
        self.tag_tuples: dict[tuple[str, ...], tuple[str, ...]] = {}

    def contact(self) -> tuple[ExternalContact, str, tuple[str, str, str] | None]:
        """A new customer, their surname (the rep knows it even behind a nickname) and
        the company they work at, if any."""
        rng = self.rng
        surname = _pick(rng, SURNAMES)
        company = _pick(rng, self.companies) if rng.random() < 0.34 else None
        kind = TYPE_WECOM if company is not None and rng.random() < 0.25 else TYPE_WECHAT
        contact = ExternalContact(
            make_id("wo" if kind == TYPE_WECOM else "wm", rng), _name(rng, surname), kind,
            _pick(rng, (0, 1, 1, 2, 2)))
        if kind == TYPE_WECOM and company is not None:
            contact.corp_name, contact.corp_full_name = company[1], company[0]
        return contact, surname, company

    def record(self, userid: str, contact: ExternalContact, surname: str,
               company: tuple[str, str, str] | None) -> FollowRecord:
        rng = self.rng
        add_way = ADD_WAYS[bisect(ADD_WAY_CUM, rng.random() * ADD_WAY_CUM[-1])]
        record = FollowRecord(userid, contact.external_userid,
                              self.now - int(rng.random() * TWO_YEARS), add_way=add_way)
        record.oper_userid = contact.external_userid if add_way in CUSTOMER_STARTED else userid
        if add_way in (1, 16) and rng.random() < 0.6:
            record.state = _pick(rng, CHANNELS)
        if rng.random() < 0.5:
            title = surname + _pick(rng, TITLES)
            record.remark = f"{title}-{company[1]}" if company is not None else title
        if rng.random() < 0.15:
            record.description = _pick(rng, DESCRIPTIONS)
        if company is not None and contact.type == TYPE_WECHAT:
            record.remark_corp_name = company[0]
        if rng.random() < 0.4:
            record.remark_mobiles = (_mobile(rng),)
        tags: list[str] = []
        level = _pick(rng, self.level_tags) if rng.random() < 0.6 else None
        if level is not None:
            tags.append(level.id)
        trade = self.trade_tags.get(company[2]) if company is not None else None
        if trade is not None and rng.random() < 0.7:
            tags.append(trade.id)
        key = tuple(tags)
        record.tag_ids = self.tag_tuples.setdefault(key, key)
        return record

    def user(self, userid: str, count: int, shared_from: list[str]) -> list[str]:
        """``count`` records for one rep, oldest first; a few reuse ``shared_from``'s
        customers (another rep's). Returns the rep's external_userids."""
        records: list[FollowRecord] = []
        taken: set[str] = set()
        for _ in range(count):
            if shared_from and self.rng.random() < 0.02:
                ext = _pick(self.rng, shared_from)
                if ext not in taken:
                    taken.add(ext)
                    contact = self.book.contacts[ext]
                    records.append(self.record(userid, contact, _pick(self.rng, SURNAMES),
                                               None))
                    continue
            contact, surname, company = self.contact()
            self.book.add_contact(contact)
            taken.add(contact.external_userid)
            records.append(self.record(userid, contact, surname, company))
        records.sort(key=lambda r: r.createtime)
        for record in records:
            self.book.follow(record)
        return [r.external_userid for r in records]


def build_book(config: EmulatorConfig, now: float) -> ContactBook:
    """A fresh ContactBook: the default tag library and the generated customers."""
    book = ContactBook()
    tag_rng = random.Random(f"zhongshu-tags:{config.wecom_contacts_seed}")
    created = int(now) - TWO_YEARS - 30 * 24 * 3600
    for name, tags in DEFAULT_TAG_GROUPS:
        book.add_group(name, tags, created, tag_rng)
    if config.wecom_contacts_per_user > 0:
        generator = _Generator(book, config.wecom_contacts_seed, now)
        previous: list[str] = []
        for user in config.users:
            previous = generator.user(str(user["userid"]), config.wecom_contacts_per_user,
                                      previous)
    return book
