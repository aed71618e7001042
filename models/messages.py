"""Every Chinese sentence the data layer shows to people, in one place.

Validation errors, duplicate notices and import reports are read by reps and sales
assistants, so they say exactly what is wrong and how to fix it. Placeholders use
``str.format`` names."""

from __future__ import annotations

from lib import texts as _lib_texts
from models.config import glossary

# -- customer fields (models/customers/customer.py) ------------------------------------------------
FIELD_LABELS = {
    "name": "客户名称",
    "contact": "联系人",
    "phone": "电话",
    "industry": "行业",
    "intent": "初步意向",
    "grade": "等级",
    "region": "区域",
    "province": "省份",
    "city": "城市",
    "address": "地址",
    "latitude": "纬度",
    "longitude": "经度",
    "coord": "坐标系",
    "owner": "负责人",
    "order_no": "订单编号",
    "ordered_at": "下单时间",
    "amount": "金额",
    "product_model": "产品型号",
    "quantity": "数量",
}
REQUIRED = glossary.FILL
TOO_LONG = "{label}过长，最多{max}个字"
NAME_NO_LETTERS = "客户名称不能只有数字或符号"
GRADE_INVALID = "等级应为A、B或C，而不是“{value}”"
REGION_INVALID = "区域“{value}”无法识别，应为{choices}之一"
PROVINCE_INVALID = "省份“{value}”无法识别"
COORD_NOT_NUMBER = "{label}“{value}”不是数字"
COORD_PAIR = "纬度和经度需要同时填写"
LATITUDE_RANGE = "纬度应在3到54之间（中国境内），当前为{value}"
LONGITUDE_RANGE = "经度应在73到136之间（中国境内），当前为{value}"
COORD_SWAPPED = "纬度和经度可能填反了（纬度{lat}，经度{lng}）"
COORD_SYSTEM_INVALID = "坐标系应为wgs84或gcj02，而不是“{value}”"
COORD_SYSTEM_BAIDU = "暂不支持百度坐标（bd09），请转换为gcj02或wgs84"

# Duplicate notices; the handler shows these to the rep who tried to register.
DUPLICATE_PHONE = "电话{phone}已登记为客户“{name}”，负责人：{owner}"
DUPLICATE_NAME = "客户“{name}”已存在，负责人：{owner}"
DUPLICATE_SIMILAR = "已有名称相近的客户“{name}”，负责人：{owner}"
NO_OWNER = "暂无负责人"

# -- imports (models/imports/importer.py) --------------------------------------------------------
IMPORT_NO_HEADER = "未找到表头：前{rows}行中没有包含“{required}”的行"
IMPORT_MISSING_COLUMNS = "缺少必填列：{columns}"
IMPORT_MISSING_ONE_OF = "缺少必填列：{columns}（至少需要其中一列）"
# The spreadsheet reader's sentences live in lib.texts; these two are shown here too.
IMPORT_UNSUPPORTED_FILE = _lib_texts.IMPORT_UNSUPPORTED_FILE
IMPORT_EMPTY = _lib_texts.IMPORT_EMPTY
IMPORT_DUPLICATE_PHONE_ROW = "与第{row}行电话重复"
IMPORT_SIMILAR_NAME_ROW = "与第{row}行是同一家公司（名称相同或相近）"
IMPORT_KEPT = ("已存在客户“{name}”，只补全了空字段，以下不同的值未覆盖：{fields}（如需覆盖，"
               "请勾选“覆盖”后重新导入）")
IMPORT_KEPT_FIELD = "{label}（系统：{old}，表格：{new}）"
IMPORT_OWNER_UNKNOWN = "负责人“{value}”不存在，请填写企业微信账号"
IMPORT_OWNER_INACTIVE = "负责人“{value}”已停用"
IMPORT_OWNER_AMBIGUOUS = "负责人“{value}”有重名，请填写企业微信账号"
IMPORT_ORDER_NO_CUSTOMER = "未找到客户（{value}）"
IMPORT_ORDER_AMBIGUOUS_CUSTOMER = "客户名称“{value}”对应多个客户，请填写电话"
IMPORT_ORDER_CUSTOMER_CONFLICT = "同一订单编号在第{row}行属于另一个客户"
IMPORT_NEED_CUSTOMER = "请填写客户名称或电话"
IMPORT_DATE_INVALID = "下单时间“{value}”无法识别，请使用2025-03-01或2025-03-01 14:30格式"
IMPORT_DATE_RANGE = "下单时间“{value}”不合理（早于2000年或晚于今天）"
IMPORT_AMOUNT_INVALID = "{label}“{value}”不是有效数字"
IMPORT_AMOUNT_NEGATIVE = "{label}不能为负数"
IMPORT_AMOUNT_TOO_LARGE = "{label}“{value}”过大"
IMPORT_CONTRACTS_UNAVAILABLE = (
    "合同导入暂未开放：合同模块尚未上线，请先导入客户和订单（zhongshu import customers/orders）。"
)
IMPORT_SUMMARY_CUSTOMERS = (
    "导入客户：共{total}行，新增{inserted}，已存在{existing}（补全空字段），覆盖{overwritten}，"
    "拒绝{refused}"
)
IMPORT_SUMMARY_ORDERS = (
    "导入订单：共{total}行，新增订单{inserted}，更新订单{updated}，明细{lines}条，拒绝{refused}"
)
IMPORT_BLANK_SKIPPED = "（已跳过空行{blank}行）"
IMPORT_REFUSED_ROW = "第{row}行：{reason}"
IMPORT_NOTED_ROW = "第{row}行（已导入）：{reason}"
IMPORT_REPORT_WRITTEN = "错误报告：{path}"
IMPORT_PROGRESS = "已处理{rows}行（{rate}行/秒）"
IMPORT_REASON_SEP = "；"
IMPORT_REPORT_ROW_HEADER = "原行号"
IMPORT_REPORT_REASON_HEADER = "错误原因"
IMPORT_REPORT_SUFFIX = "_错误报告.xlsx"

# -- labels for stored codes (models/customers/: customer.py, ticket.py, communication.py)
STAGE_LABELS = {"lead": "线索", "intent": "意向", "quote": "报价", "won": "成交", "lost": "流失"}
SOURCE_LABELS = {
    "quick_register": "一键报备",
    "chat": "聊天登记",
    "import": "表格导入",
    "manual": "手工录入",
    "demo": "演示数据",
    "wechat": "微信好友",
}
TICKET_STATUS_LABELS = {
    "open": "待处理",
    "in_progress": "处理中",
    "resolved": "已解决",
    "closed": "已关闭",
}
CHANNEL_LABELS = {
    "visit": "拜访",
    "phone": "电话",
    "wechat": "微信",
    "dingtalk": "钉钉",
    "email": "邮件",
    "meeting": "会议",
}
IMPORT_REPORT_SHEET = "错误行"
IMPORT_OTHER_PHONES = "其他电话"  # extra key for the further numbers of a multi-number cell
LIST_SEP = "、"
OR_SEP = "或"
