"""Every user-facing sentence of the general handlers, in one place."""

from models.org.user import ROLE_NAMES  # noqa: F401 - re-exported for templates and replies

HELP_TITLE = "中枢 · 可用命令"
HELP_UNREGISTERED = "您还没有在中枢登记，请联系管理员（销售助理）添加后再使用。"
HELP_FOOTER = "工作台按钮：报备客户、拜访签到、我的客户。"
WHOAMI = ("{name}（{role}）\n企业微信账号：{wecom}\n钉钉账号：{dingtalk}\n上级："
          "{supervisor}\n区域：{region}")
UNKNOWN_COMMAND = "没有看懂「{text}」。发送「帮助」查看可用命令。"
UNSUPPORTED = "暂不支持这类消息，发送「帮助」查看可用命令。"
PHOTO_RECEIVED = "照片已收到，正在保存。"
EMPTY = "（未填写）"


# -- multi-step chat flows (handlers/flows.py) ---------------------------------------------
CANCEL_WORDS = ("取消", "退出")  # what a user types to abandon a waiting flow
FLOW_CANCELLED = "已取消{title}，没有保存任何内容。"
FLOW_EXPIRED = "{title}超过30分钟没有回复，已自动取消，没有保存任何内容。{restart}"
FLOW_WAITING = ("提醒：您的{title}还没有完成，仍在等待您回复——{question}\n直接回复即可继续，"
                "发送「取消」放弃。")
NOTHING_TO_CANCEL = "当前没有进行中的操作，无需取消。发送「帮助」查看可用命令。"

# -- stores (handlers/stores/commands.py) ----------------------------------------------------------
STORES_USAGE = "门店"
STORES_SUMMARY = "打开我的门店：客流热力图、今日日报、促销检查"
STORES_TITLE = "我的门店（{n} 家）"
STORES_REPORT = "填写今日日报"
STORES_MORE = "另有 {n} 家，查看全部门店"
STORES_PROMOTIONS = "促销检查（拍照打卡）"
STORES_NONE = "您名下还没有门店，请联系总部运营。"
STORES_REFUSED = "「门店」只对店长、总部运营和销售总监开放。"
# The workbench's entries are for the sales team; store roles are pointed at 门店.
HELP_FOOTER_STORES = "发送「门店」打开门店页面、日报和促销检查。"

# -- customers (handlers/customers/commands.py) ----------------------------------------------------
REGISTER_TITLE = "客户报备"
REGISTER_USAGE = "新客户 <客户名称> <联系人> <电话> <行业> <初步意向>"
REGISTER_SUMMARY = "报备新客户（可只写客户名称，缺的项会逐项询问）"
REGISTER_RESTART = "如需报备，请重新发送「新客户 客户名称」。"
REGISTER_REFUSED = "您的角色（{role}）不能报备或查询客户，这些操作由业务员、主管和销售总监完成。"
REGISTER_STARTED = "好的，开始报备新客户。"
REGISTER_REPLACED = "已放弃上一次未完成的{title}，重新开始。"
REGISTER_NEXT = "{question}\n（还差{left}项，直接回复即可，发送「取消」放弃）"
REGISTER_ASK = {
    "name": "请输入客户名称：",
    "contact": "请输入联系人姓名：",
    "phone": "请输入联系电话（手机号，或带区号的固定电话）：",
    "industry": "请输入客户所属行业（如：制造业、化工、零售）：",
    "intent": "请输入初步意向（如：想采购滤芯，月底前要报价）：",
}
# The step-by-step dialog refuses an answer that does not fit the question, and says why.
REGISTER_LABELS = {"name": "客户名称", "contact": "联系人姓名", "industry": "行业",
                   "intent": "初步意向"}
REGISTER_NOT_AN_ANSWER = "「{value}」不是{label}，本项没有保存。"
REGISTER_PHONE_HERE = "「{value}」像是电话号码，不是{label}，本项没有保存（电话会单独询问）。"
REGISTER_CONTACT_DIGITS = "联系人姓名里不能有数字，本项没有保存（电话会单独询问）。"
REGISTER_TOO_SHORT = "{label}至少要有{n}个字，本项没有保存。"
REGISTER_ASK_OPTION = "请选择{name}，回复编号或原文：\n{options}"
REGISTER_ASK_FIELD = "请输入{name}（{kind}）："
REGISTER_DUPLICATE = ("该客户已经登记过，本次报备没有保存：\n{lines}\n如需跟进该客户，"
                      "请联系负责人或您的主管。")
DUPLICATE_LINE = "· {message}"

FIND_USAGE = "客户 <名称或电话>"
FIND_SUMMARY = "查看客户概况：等级、负责人、最近互动和下单"
FIND_ASK_QUERY = "请在「客户」后面写上客户名称或电话，例如：客户 绍兴滤材"
FIND_NOT_FOUND = "没有找到客户「{query}」。"

MY_CUSTOMERS_USAGE = "我的客户"
MY_CUSTOMERS_SUMMARY = "查看最近活跃的10位客户"
MY_CUSTOMERS_EMPTY = ("您还没有客户，点击「报备客户」开始，或发送「新客户 客户名称 联系人 电话 "
                      "行业 初步意向」。")
