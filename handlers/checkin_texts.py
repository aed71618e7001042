"""What the check-in handlers say (Chinese, one place)."""

VISIT_NOT_FOUND = "找不到这条拜访记录"
NOT_YOUR_DECISION = "抱歉，只有该业务员的主管或所在区域的总监可以审核这条拜访"
ALREADY_DECIDED = "这条拜访已处理过（{state}），无需重复操作"
NOT_EVALUATED = "这条拜访仍在检查中，请稍后再审核"
CONFIRMED_DONE = "已确认{rep}对{customer}的拜访有效，计入拜访统计"
REJECTED_DONE = "已驳回{rep}对{customer}的拜访"
STATE_NAMES = {"confirmed": "已确认有效", "rejected": "已驳回"}
CHECKIN_REFUSED = "抱歉，拜访签到仅限业务员、主管和总监使用"
