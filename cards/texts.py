"""Every user-facing string the renderers add on their own (Chinese, one place)."""

from models.config import glossary

DETAILS = "详情"  # WeCom textcard button
VIEW_DETAILS = "查看详情"  # DingTalk action card link button
# A card longer than the platform shows: the first items, then this row / line.
MORE_LABEL = "更多"
MORE_OPEN = "另有{n}项，点开查看全部"
MORE_HIDDEN = "另有{n}项未显示"
MORE_LINES = "……另有{n}行，点开查看全部"
MORE_LINES_HIDDEN = "……另有{n}行未显示"
VIEW_ALL = "查看全部"

# -- customer cards (cards/customer.py) -----------------------------------------------------
REGISTERED_TITLE = "客户已报备"
REGISTERED_DESCRIPTION = "已登记到您名下，点开可补充地址、等级等信息。"
QUICK_REGISTER_TITLE = "报备新客户"
QUICK_REGISTER_DESCRIPTION = "填写5项信息，5秒完成报备。\n也可以直接发送：{usage}"
LABEL_CUSTOMER = "客户"
LABEL_CONTACT = "联系人"
LABEL_PHONE = "电话"
LABEL_INDUSTRY = "行业"
LABEL_INTENT = "意向"
LABEL_GRADE = "等级"
LABEL_OWNER = "负责人"
LABEL_LAST_INTERACTION = "最近互动"
LABEL_LAST_ORDER = "最近下单"
GRADE_VALUE = glossary.GRADE
NO_GRADE = glossary.NO_GRADE
NO_OWNER = "暂无负责人"
NOT_FILLED = "未填写"
NEVER = "无记录"
TODAY = "今天"
DAYS_AGO = "{days}天前"
LIST_LINE = "{index}. [{name}]({url}) · {grade} · 互动{interaction}"
LIST_LINE_OWNER = "{index}. [{name}]({url}) · {grade} · {owner} · 互动{interaction}"
WECHAT_FRIEND_MARK = " · 微信好友"
WECHAT_FRIEND_TITLE = "（微信好友）"
LIST_CONTINUED = "（续）"
SEARCH_MANY_TITLE = "找到多位客户「{query}」"
SEARCH_MANY_HINT = "请发送更完整的名称或电话，例如：客户 {example}"
SEARCH_MORE = "另有更多结果未列出。"
MY_CUSTOMERS_TITLE = "我的客户（最近活跃{count}位）"
ELLIPSIS = "…"

# -- visit cards (cards/visit.py) -------------------------------------------------------------
VISIT_REVIEW_TITLE = "拜访签到待审核"
VISIT_REVIEW_DESCRIPTION = "系统发现以下疑点，请确认是否有效：\n{reasons}"
VISIT_REASON_LINE = "{index}. {reason}"
LABEL_REP = "业务员"
LABEL_VISIT_TIME = "签到时间"
VISIT_CONFIRM = "确认有效"
VISIT_REJECT = "驳回"
VISIT_CONFIRMED = glossary.VISIT_STATUS["confirmed"]
VISIT_REJECTED = glossary.VISIT_STATUS["rejected"]
VISIT_RECORDED = "拜访已记录：{customer}（{when}）"
VISIT_UNDER_REVIEW = "拜访已提交：{customer}（{when}），存在疑点，待主管审核：{reasons}"
VISIT_CONFIRMED_TO_REP = "你在 {when} 对{customer}的拜访已由{by}确认有效"
VISIT_REJECTED_TO_REP = "你在 {when} 对{customer}的拜访已被{by}驳回，不计入拜访"
CHECKIN_TITLE = "拜访签到"
CHECKIN_DESCRIPTION = "拍摄现场照片，填写客户等级、痛点、客户问题和下一步行动。"

# -- follow-up tasks (cards/visit.py, handlers/visits/reminders.py) ---------------------------
FOLLOWUP_DUE_TITLE = "今日跟进提醒"
FOLLOWUP_OVERDUE_TITLE = "跟进任务已逾期"
FOLLOWUP_DESCRIPTION = "下一步行动：{action}"
FOLLOWUP_OVERDUE_DESCRIPTION = "{owner}的跟进任务已逾期：{action}"
LABEL_DUE_DATE = "计划日期"
LABEL_OWNER = "负责人"
FOLLOWUP_DONE_BUTTON = "标记完成"
FOLLOWUP_DONE = "已完成"
PHOTO_UNUSABLE = "照片无法使用：{reason}，请重新拍照签到（客户：{customer}，{when}）"

# -- custom fields (C8) on cards ---------------------------------------------------------------
CUSTOM_FIELD_LINE = "{name}：{value}"
CUSTOM_FIELDS_MORE = "另有{count}项，见详情"
