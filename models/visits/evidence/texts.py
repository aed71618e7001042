"""What reps and supervisors read from the evidence checks (Chinese, one place for
the checks) and the number, distance, time and duration wording the reasons use."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from models.visits.evidence.facts import (
    BAD_PHOTO,
    EXIF_TIME_MISMATCH,
    FAR_FROM_CUSTOMER,
    IMPOSSIBLE_TRAVEL,
    INCOMPLETE_RECORD,
    NO_CAMERA_EXIF,
    PHOTO_REUSED,
    REVISIT_48H,
)

FLAG_LABELS = {
    INCOMPLETE_RECORD: "记录不完整",
    BAD_PHOTO: "照片无效",
    REVISIT_48H: "48小时内重复拜访",
    FAR_FROM_CUSTOMER: "距离客户过远",
    IMPOSSIBLE_TRAVEL: "行程不可能",
    EXIF_TIME_MISMATCH: "拍摄时间不符",
    NO_CAMERA_EXIF: "非相机拍摄",
    PHOTO_REUSED: "照片重复使用",
}
RECORD_INCOMPLETE = "记录不完整：{problems}"
GRADE_MISSING = "未选择客户等级（A/B/C）"
GRADE_INVALID = "客户等级“{value}”无效，应为 A、B 或 C"
PAIN_POINTS_MISSING = "未选择客户痛点（至少一项）"
PAIN_POINT_UNKNOWN = "痛点“{value}”不在可选列表中"
QUESTION_MISSING = "未填写客户提出的具体问题"
QUESTION_PLACEHOLDER = "客户问题“{value}”不是具体问题，请写下客户的原话，例如“这款滤芯多久换一次？”"
QUESTION_TOO_SHORT = "客户问题“{value}”太短（{n} 个字，至少 {min} 个字），请写下客户的原话"
NEXT_ACTION_MISSING = "未填写下一步行动"
NEXT_ACTION_UNKNOWN = "下一步行动“{value}”不在可选列表中"
PHOTO_MISSING = "缺少现场照片"
REVISIT = "{hours} 小时内已拜访过该客户（上次 {previous}{by}，间隔 {gap}）"
REVISIT_BY = "，业务员 {rep}"
FAR_PHOTO = "照片拍摄地点距客户登记地址 {km} 公里"
FAR_DEVICE = "签到定位距客户登记地址 {km} 公里"
FAR_SUFFIX = "（阈值 {max} 公里）"
EXIF_MISMATCH = "照片拍摄时间 {taken} 与提交时间 {at} 相差 {gap}（阈值 {max}）"
NO_EXIF = "照片{fmt}没有相机信息（{missing}），可能是截图、相册图片或经过重新编码的图片"
NO_EXIF_TIME = "无拍摄时间"
NO_EXIF_CAMERA = "无相机品牌型号"
REUSED_SAME = "与拜访 {visit}（{at}，业务员 {rep}）的照片完全相同"
REUSED_NEAR = ("与拜访 {visit}（{at}，业务员 {rep}）的照片是同一张照片（重新压缩、缩放、"
               "调亮度或裁剪后的副本，"
               "对齐比对相似度 {score}，阈值 {max}）")
REUSED_HASH = "与拜访 {visit}（{at}，业务员 {rep}）的照片几乎相同（相差 {bits} 位，阈值 {max} 位）"
TRAVEL = ("与上一次签到（拜访 {visit}，{at}）相距 {km} 公里、间隔 {gap}，"
          "折合时速 {speed} 公里（阈值 {max} 公里/小时）")
TRAVEL_INSTANT = ("与上一次签到（拜访 {visit}，{at}）相距 {km} 公里，"
                  "却几乎同时提交（阈值 {max} 公里/小时）")
SEPARATOR = "；"


def num_text(value: float) -> str:
    return f"{value:g}"


def km_text(value: float, threshold: float) -> str:
    text = f"{value:.1f}"
    # Never show "5.0 km (threshold 5 km)" for a flagged 5.04 km.
    return f"{value:.2f}" if float(text) == threshold else text


def when_text(moment: datetime, tz: tzinfo) -> str:
    return f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"


def duration(delta: timedelta) -> str:
    """"2 天 3 小时", "4 小时 52 分钟", "35 分钟", "不到 1 分钟"."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时 {mins} 分钟" if mins else f"{hours} 小时"
    return f"{mins} 分钟" if mins else "不到 1 分钟"
