"""Every Chinese sentence the H5 pages show, in one place (field validation messages come
from models.messages; these are the pages' own words)."""

from __future__ import annotations

from models.config import glossary
from models.org.user import ROLE_NAMES  # noqa: F401 - re-exported for templates and replies

APP_NAME = "中枢"

# -- identity (web/auth/) ------------------------------------------------------------------
OPEN_FROM_WORKBENCH_TITLE = "请从企业微信工作台打开"
OPEN_FROM_WORKBENCH_DESC = "为了确认您的身份，请在企业微信「工作台 → 中枢」中打开此页面，无需登录。"
OPEN_IN_WECOM = "在企业微信中打开"
OPEN_IN_DINGTALK = "在钉钉中打开"
NOT_REGISTERED_TITLE = "无法使用中枢"
NOT_REGISTERED_DESC = "您还没有在中枢登记，请联系管理员（销售助理）添加后再使用。"
IDENTITY_UNAVAILABLE_TITLE = "暂时无法确认身份"
IDENTITY_UNAVAILABLE_DESC = "企业微信暂时没有响应，请稍后重新打开此页面。"
CSRF_TITLE = "页面已过期"
CSRF_DESC = "表单校验失败（页面可能已过期或被重复打开），内容没有保存。请返回后刷新页面再提交。"
BODY_TOO_LARGE_TITLE = "提交的内容过大"
BODY_TOO_LARGE_DESC = "提交的内容超过了{limit}，没有保存。"
FORBIDDEN_TITLE = "没有权限"
FORBIDDEN_ROLE_DESC = "此页面仅限{roles}使用。"
BACK = "返回"

# -- error pages (any 4xx/5xx, web/auth/guard.py) --------------------------------------------
ERROR_PAGES = {
    400: ("请求有误", "页面收到的内容不完整或格式不对，请返回后重试。"),
    401: ("请从企业微信工作台打开", "为了确认您的身份，请在企业微信「工作台 → 中枢」"
                                    "中打开此页面。"),
    403: ("没有权限", "您没有查看此页面的权限。"),
    404: ("页面不存在", "您打开的地址不存在，可能链接有误或页面已移动。"),
    405: ("无法这样打开此页面", "此地址不支持这种打开方式，请从中枢的页面或消息里进入。"),
    413: ("提交的内容过大", "提交的内容超过了上限，没有保存。"),
    429: ("操作太频繁", "请稍等片刻再试。"),
    500: ("系统出了点问题", "我们已经记录了这个错误，请稍后再试；内容如未保存，请重新提交。"),
    503: ("服务暂时不可用", "系统正在维护或繁忙，请稍后再试。"),
}
ERROR_OTHER = ("出错了", "页面暂时无法打开，请稍后再试。")
ERROR_OTHER_SERVER = ERROR_PAGES[500]
GO_HOME = "返回首页"

# -- DingTalk sign-in (免登, web/auth/views.py and static/dingtalk-login.js) ------------------
DINGTALK_SIGNING_IN_TITLE = "正在通过钉钉确认身份…"
DINGTALK_SIGNING_IN_DESC = "无需登录，请稍候。"
DINGTALK_ONLY_TITLE = "请在钉钉中打开"
DINGTALK_ONLY_DESC = "此链接需要在钉钉里打开（工作通知或工作台 → 中枢），才能自动确认您的身份。"
DINGTALK_NO_SCRIPT = "请允许页面运行脚本，或在钉钉中重新打开此链接。"
DINGTALK_CLIENT_REFUSED_TITLE = "钉钉没有提供身份信息"
DINGTALK_CLIENT_REFUSED_DESC = "钉钉拒绝了免登请求或没有响应，请稍后在钉钉中重新打开此链接。"
DINGTALK_CODE_REFUSED_TITLE = "身份确认失败"
DINGTALK_CODE_REFUSED_DESC = ("钉钉的登录凭证无效或已使用过（凭证只能用一次，5分钟内有效），"
                              "请重新打开此链接。")
DINGTALK_EXPIRED_TITLE = "登录已过期"
DINGTALK_EXPIRED_DESC = "这次登录不是在本页面发起的，或者已经过期。请在钉钉中重新打开此链接。"
DINGTALK_UNAVAILABLE_DESC = "钉钉暂时没有响应，请稍后重新打开此页面。"
DINGTALK_RETRY = "重新打开"
SIGNIN_TOO_FAST_TITLE = "登录尝试过于频繁"
SIGNIN_TOO_FAST_DESC = ("这台设备或所在网络在短时间内尝试登录的次数太多，"
                        "请{seconds}秒后再打开此页面。")
SIGNED_IN_AS = "当前身份：{name}（{role}）"


# -- quick registration (web/customers/register.py) ------------------------------------------------
REGISTER_TITLE = "报备新客户"
# {n}: the five registration fields plus the required fields the team added (C8).
REGISTER_DESC = "填写{n}项即可完成报备，负责人为您本人。"
REGISTER_SUBMIT = "提交报备"
REGISTER_FIX_ERRORS = "有{n}项需要修改，请看下方红色提示。"
REGISTER_DUPLICATE_TITLE = "该客户已登记，未重复创建"
REGISTER_VIEW_EXISTING = "查看该客户"
SELECT_INDUSTRY = "请选择行业"
SELECT_INTENT = "请选择意向程度"
PLACEHOLDERS = {
    "name": "例如：杭州恒达环保科技有限公司",
    "contact": "对接人姓名",
    "phone": "手机号或带区号的座机",
}
# Common industries for a select (one tap instead of typing); 其他 keeps the form complete
# when none fits. Free text from chat or import is accepted by the server all the same.
INDUSTRIES = (
    "制造业", "水泥建材", "钢铁冶金", "电力能源", "化工", "医药", "食品饮料", "环保",
    "建筑工程", "批发零售", "信息技术", "物流运输", "教育培训", "医疗健康", "其他",
)
# Stored as typed, so no full-width punctuation (the cleaner would turn "（" into "(").
INTENTS = ("意向高·近期采购", "意向中·有需求在比较", "意向低·先了解")

REGISTER_DONE_TITLE = "报备成功"
REGISTER_DONE_DESC = "客户“{name}”已登记，负责人：{owner}。确认消息已发到您的企业微信。"
REGISTER_VIEW_CUSTOMER = "查看客户详情"
REGISTER_ANOTHER = "再报备一个"


# -- customers (web/customers/: listing, customer360, export) ----------------------------------
CUSTOMER_NOT_FOUND_TITLE = "客户不存在或无权查看"
CUSTOMER_NOT_FOUND_DESC = "该客户不存在，或不在您的查看范围内。"
CUSTOMERS_TITLE = "我的客户"
CUSTOMERS_TEAM_TITLE = "客户列表"
SEARCH_PLACEHOLDER = "搜索客户名称或电话"
SEARCH = "搜索"
ALL_GRADES = "全部等级"
NO_GRADE = glossary.NO_GRADE
GRADE_LABEL = glossary.GRADE
CUSTOMERS_COUNT = "共{total}个客户"
CUSTOMERS_EMPTY = "没有符合条件的客户"
PREV_PAGE = "上一页"
NEXT_PAGE = "下一页"
PAGE_OF = "第{page}/{pages}页"
EXPORT = "导出Excel"
EXPORT_FILENAME = "客户列表_{date}.xlsx"
EXPORT_SHEET = "客户"
EXPORT_HEADERS = ("客户名称", "联系人", "电话", "行业", "初步意向", "等级", "阶段", "区域",
                  "省份", "城市", "地址", "负责人", "负责人账号", "最近互动", "最近下单",
                  "登记时间")
NEVER = "暂无"
DAYS_AGO = "{days}天前"
TODAY = "今天"

CUSTOMER_FIELDS = {
    "owner": "负责人",
    "contact": "联系人",
    "phone": "电话",
    "industry": "行业",
    "intent": "初步意向",
    "stage": "阶段",
    "region": "区域",
    "location": "省市",
    "address": "地址",
    "source": "来源",
    "created": "登记时间",
}
SINCE_INTERACTION = "距上次互动"
SINCE_ORDER = "距上次下单"
DAYS = "{days}天"
NO_INTERACTION = "暂无互动"
NO_ORDER = "尚未下单"
TIMELINE = "客户动态"
TIMELINE_EMPTY = "还没有订单、工单或沟通记录"
SHOW_MORE = "查看更多"
ORDER_TITLE = "订单 {order_no}"
ORDER_AMOUNT = "¥{amount}"
ORDER_LINE = "{model} × {quantity}　¥{amount}"
ORDER_NO_LINES = "（无产品明细）"
UNKNOWN_MODEL = "未填型号"
TICKET_TITLE = "服务工单 · {status}"
COMM_TITLE = "{channel}沟通 · {who}"
CALL = "拨打"
BACK_TO_LIST = "返回客户列表"

# -- admin import (web/admin/imports.py, jobs/imports.py) ------------------------------------
IMPORT_TITLE = "导入客户 / 订单"
IMPORT_DESC = ("上传.xlsx或.csv文件（最大{limit}）。按电话识别已有客户（默认只补全空字段）、"
               "按订单编号更新订单；有问题的行会列入错误报告。")
IMPORT_EXISTING_LABEL = "已有客户"
IMPORT_OVERWRITE = "覆盖"
IMPORT_OVERWRITE_HINT = ("打开后，表格中的非空值会覆盖已有客户的现有信息；不打开只补全空字段，"
                         "不同的值列入报告")
IMPORT_KINDS = {"customers": "客户", "orders": "订单"}
IMPORT_KIND_LABEL = "导入类型"
IMPORT_FILE_LABEL = "选择文件"
IMPORT_COLUMNS = {
    "customers": "必填列：客户名称、电话；可选：联系人、行业、初步意向、等级、区域、省份、城市、"
                 "地址、纬度、经度、坐标系、负责人",
    "orders": "必填列：订单编号、客户名称或电话、下单时间、金额；可选：产品型号、数量、负责人",
}
IMPORT_SUBMIT = "开始导入"
IMPORT_NO_FILE = "请选择要上传的文件"
IMPORT_BAD_KIND = "请选择导入类型"
IMPORT_BAD_SUFFIX = "不支持的文件类型“{suffix}”，请上传.xlsx或.csv文件"
IMPORT_EMPTY_FILE = "上传的文件是空的"
IMPORT_NOT_XLSX = "文件扩展名是.xlsx，但内容不是Excel工作簿，请在Excel中另存为.xlsx后重新上传"
IMPORT_UNREADABLE = "无法读取文件，请确认文件没有损坏并重新上传"
IMPORT_CORRUPT = "文件已损坏，无法完整读取（{detail}），没有导入任何数据"
IMPORT_FAILED_INTERNAL = "导入时发生系统错误，请稍后重试或联系技术支持"
IMPORT_STATUS_TITLE = "导入进度"
IMPORT_STATUS = {
    "queued": "处理中：排队等候",
    "counting": "处理中：正在检查文件",
    "running": "处理中：正在导入",
    "done": "导入完成",
    "failed": "导入失败",
}
IMPORT_PROGRESS = "已处理 {done} / {total} 行"
IMPORT_WAITING = "请稍候，页面会自动更新"
IMPORT_RESULT_CUSTOMERS = ("共{total}行：新增{inserted}，已存在{existing}（补全空字段），"
                           "覆盖{overwritten}，拒绝{refused}")
IMPORT_PARTIAL = "部分导入"
IMPORT_PARTIAL_DESC = "有{refused}行未导入，请下载错误报告查看原因，改正后重新导入这些行。"
IMPORT_NOTED_DESC = "{noted}位已有客户的不同值未覆盖，详见报告。"
IMPORT_DOWNLOAD_NOTES = "下载导入报告"
IMPORT_RESULT_ORDERS = ("共{total}行：新增订单{inserted}，更新订单{updated}，明细{lines}条，"
                        "拒绝{refused}")
IMPORT_BLANK = "已跳过空行{blank}行"
IMPORT_DOWNLOAD_REPORT = "下载错误报告"
IMPORT_REPORT_NAME = "{stem}_错误报告.xlsx"
IMPORT_ANOTHER = "继续导入"
IMPORT_NOT_FOUND = "导入记录不存在或已过期"
IMPORT_FILE = "文件：{filename}（{kind}）"
IMPORT_NOSCRIPT = "页面不会自动刷新，请手动刷新查看进度。"


# -- custom fields (C8) in pages ------------------------------------------------------------
CUSTOM_FIELD_LINE = "{name}：{value}"
ALL_OPTIONS = "全部{name}"
VISIT_EXPORT = "导出拜访记录"
VISIT_EXPORT_FILENAME = "拜访记录_{date}.xlsx"
VISIT_EXPORT_SHEET = "拜访"
VISIT_EXPORT_HEADERS = ("拜访时间", "销售", "销售账号", "客户名称", "客户等级", "痛点",
                        "客户问题", "下一步行动", "下一步日期", "状态", "是否合规")
CONFIG_LINK = "字段与预设"
PHOTO_ON_FILE = "查看照片"
IMPORT_CUSTOM_COLUMNS = "；自定义字段列：{names}"
FIELDS_EDIT = "填写自定义字段"
FIELDS_EDIT_DESC = "主管添加的字段；带 * 的必填。"
FIELDS_SAVE = "保存"
PHOTO_KEEP = "已有照片；不选新照片则保留原照片"
