"""Every user-facing sentence of the general handlers, in one place."""

HELP_TITLE = "中枢 · 可用命令"
HELP_UNREGISTERED = "您还没有在中枢登记，请联系管理员（销售助理）添加后再使用。"
HELP_FOOTER = "工作台按钮：报备客户、拜访签到、我的客户。"
WHOAMI = "{name}（{role}）\n企业微信账号：{wecom}\n钉钉账号：{dingtalk}\n上级：{supervisor}\n区域：{region}"
UNKNOWN_COMMAND = "没有看懂「{text}」。发送「帮助」查看可用命令。"
UNSUPPORTED = "暂不支持这类消息，发送「帮助」查看可用命令。"
COMING_SOON = "「{name}」功能即将上线，敬请期待。发送「帮助」查看现在可用的命令。"
PHOTO_RECEIVED = "照片已收到，正在保存。"
EMPTY = "（未填写）"

ROLE_NAMES = {
    "rep": "业务员",
    "supervisor": "主管",
    "director": "销售总监",
    "finance": "财务",
    "admin": "管理员",
}
