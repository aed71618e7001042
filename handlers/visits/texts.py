"""What the check-in handlers say (Chinese, one place)."""

from models.config import glossary

# One answer for a visit that does not exist and one the clicker may not decide: a click
# must not tell which ids exist.
VISIT_NOT_FOUND = "找不到这条拜访记录（只有该业务员的主管或所在区域的总监可以审核）"
NOT_YOUR_DECISION = VISIT_NOT_FOUND
ALREADY_DECIDED = "这条拜访已处理过（{state}），无需重复操作"
NOT_EVALUATED = "这条拜访仍在检查中，请稍后再审核"
CONFIRMED_DONE = "已确认{rep}对{customer}的拜访有效，计入拜访统计"
REJECTED_DONE = "已驳回{rep}对{customer}的拜访"
STATE_NAMES = {k: glossary.VISIT_STATUS[k] for k in ("confirmed", "rejected")}
CHECKIN_REFUSED = "抱歉，拜访签到仅限业务员、主管和总监使用"

# -- the chat check-in (拜访签到 <客户名称>) ---------------------------------------------------
CHAT_TITLE = "拜访签到"
CHAT_USAGE = "拜访签到 <客户名称>"
CHAT_SUMMARY = "在聊天里完成拜访签到：照片、位置、等级、痛点、问题、下一步"
CHAT_RESTART = "如需签到，请重新发送「拜访签到 客户名称」。"
CHAT_ASK_CUSTOMER = "请在命令后写上客户名称，例如：拜访签到 杭州华滤环保"
CHAT_NOT_FOUND = "没有找到客户「{name}」，请检查名称（只能为自己负责的客户签到）。"
CHAT_AMBIGUOUS = "找到多个名称相近的客户：{names}\n请用完整名称重新发送「拜访签到 客户名称」。"
CHAT_REPLACED = "已放弃上一次未完成的{title}。"
CHAT_ASK = {
    "photo": "第{n}步：请拍一张拜访现场的照片，直接发送图片给我。",
    "location": ("第{n}步：请发送您当前的位置——在应用设置里打开「上报地理位置」后重新进入本应用，"
                 "或点击「发送位置」；无法定位请回复「跳过」（将只依据照片里的定位核验）。"),
    "grade": "第{n}步：客户等级？请回复 A、B 或 C。",
    "pain_points": "第{n}步：客户的痛点？回复编号（可多选，如「1 3」）或原文：\n{options}",
    "question": "第{n}步：客户提出的具体问题是什么？",
    "next_action": ("第{n}步：下一步行动？回复编号或原文，可在后面加日期（如「1 12-05」"
                    "或「1 2026-12-05」）：\n{options}"),
    "photo_wait": "照片还在接收中，接收完成后会自动提交，请稍候。",
}
CHAT_PHOTO_GOT = "照片已收到。"
CHAT_PHOTO_REPLACED = "照片已更新，以这张为准。"
CHAT_NEED_PHOTO = "这一步需要一张现场照片，请直接发送图片。"
CHAT_LOCATION_USED = "第{n}步（位置）已完成：使用您{minutes}分钟内上报的位置。"
CHAT_LOCATION_PRESET = "已使用您{minutes}分钟内上报的位置，无需再发送位置。"
CHAT_LOCATION_GOT = "位置已收到。"
CHAT_LOCATION_SKIPPED = "已跳过定位，将只依据照片里的定位核验。"
CHAT_NEED_LOCATION = "还没有收到您的位置。"
CHAT_BAD_GRADE = "客户等级只能是 A、B 或 C，您回复的是「{value}」。"
CHAT_BAD_NUMBER = "没有第{number}项，请按列表里的编号回复。"
CHAT_BAD_OPTION = "「{value}」不在列表里，请回复编号或列表里的原文。"
CHAT_NEED_ONE_ACTION = "下一步行动只能选一项。"
CHAT_BAD_DATE = "日期「{value}」不对，请写成 12-05 或 2026-12-05。"
CHAT_SUBMITTED = "拜访已提交，正在核验照片…"
CHAT_PHOTO_FAILED = "照片没能接收（{reason}），请重新发送一张现场照片。"

# -- the supervisor's own required visit fields (C8), asked after the six steps ----------
CHAT_STARTED_STEPS = "开始为「{customer}」拜访签到，共{steps}步，随时回复「取消」放弃。"
CHAT_ASK_FIELD = {
    "select": "第{n}步：{name}？回复编号或原文：\n{options}",
    "multi": "第{n}步：{name}？回复编号（可多选，如「1 3」）或原文：\n{options}",
    "number": "第{n}步：请填写{name}（数字）。",
    "date": "第{n}步：请填写{name}（日期，如 2026-12-05）。",
    "text": "第{n}步：请填写{name}。",
}
