"""What the labelled visit set of the evidence accuracy bench is made of: the labels
(honest, or a fake pattern and the flag that must catch it), the noise tags of honest
visits, the sizes, and the words and places visits are drawn from. Used by
``bench.evidence.generator`` and ``bench.evidence.scoring``."""

from __future__ import annotations

from datetime import date

from lib.geo import GeoPoint
from models.visits import evidence as ev

HONEST = "honest"
TEST_SEED = 20261102
BENCH_SEED = 20261204
# pattern -> the flag code that must be among the visit's flags for it to count detected
PATTERNS: dict[str, str] = {
    "screenshot": ev.NO_CAMERA_EXIF,
    "album_old_exif": ev.EXIF_TIME_MISMATCH,
    "photo_far": ev.FAR_FROM_CUSTOMER,
    "device_far": ev.FAR_FROM_CUSTOMER,
    "revisit_48h": ev.REVISIT_48H,
    "photo_reused": ev.PHOTO_REUSED,
    "photo_reencoded": ev.PHOTO_REUSED,
    "photo_edited": ev.PHOTO_REUSED,
    "impossible_travel": ev.IMPOSSIBLE_TRAVEL,
    "incomplete_record": ev.INCOMPLETE_RECORD,
}
# The honest noise each visit is tagged with (a visit has several).
NOISE = {
    "same_storefront": "同一门店每周重拍（新照片）",
    "indoor_drift": "室内定位漂移 0.5–1.5 公里",
    "factory": "工厂距注册地址 2–3.3 公里",
    "late_upload": "弱网延迟 20–29 分钟上传",
    "no_device": "无设备定位",
    "no_photo_gps": "照片无 GPS",
    "exif_offset": "EXIF 带时区偏移标签",
    "exif_no_offset": "EXIF 无时区偏移标签",
    "gcj02": "GCJ-02 坐标",
    "revisit_over_48h": "间隔 48.1–52 小时再访",
    "rail_trip": "高铁跨城",
    "short_question": "简短的真实问题",
}
SIZES: dict[str, dict[str, int]] = {
    "test": {"reps": 5, "customers": 6, "weeks": 4, "per_pattern": 12},
    "bench": {"reps": 14, "customers": 8, "weeks": 8, "per_pattern": 30},
    # About 10,000 visits with photos, for timing ``zhongshu visits audit`` (--generate).
    "scale": {"reps": 120, "customers": 8, "weeks": 10, "per_pattern": 32},
}
PAIN_POINTS = ["价格偏高", "交期太长", "售后响应慢", "产品稳定性", "缺少技术支持", "账期要求"]
QUESTIONS = ["这款滤芯多久换一次？", "批量采购能不能再优惠一点？", "下个月能保证交货吗？",
             "售后工程师多久能到现场？", "有没有同行业的使用案例？", "能不能先试用一个月？",
             "质保期是几年，包含哪些部件？", "开票和账期怎么安排？"]
SHORT_QUESTIONS = ["交期?", "含税吗?", "有现货吗", "价格？", "包邮吗", "几折？", "MOQ?",
                   "保修几年"]
ACTIONS = ["寄送样品", "预约技术交流会", "发送报价单", "安排试用", "邀请参观工厂"]
PHONES = [("HUAWEI", "P40 Pro"), ("Xiaomi", "MI 11"), ("OPPO", "Find X5"),
          ("Apple", "iPhone 13")]
# Cities (WGS-84): reps work around Hangzhou; rail trips go to Shanghai and Beijing.
CENTRE = GeoPoint(30.2741, 120.1551, "wgs84")
SHANGHAI_CENTRE = GeoPoint(31.2304, 121.4737, "wgs84")
BEIJING_CENTRE = GeoPoint(39.9042, 116.4074, "wgs84")
PHOTO_SIZE = (480, 360)
START = date(2026, 9, 7)  # a Monday
