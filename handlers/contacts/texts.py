"""What reps and supervisors read about their WeChat customers."""

NEW_FRIEND = "新的微信客户「{name}」已加入您的客户列表{channel}。点开补全公司、行业等资料。"
NEW_FRIEND_CHANNEL = "（来源渠道：{state}）"
NEW_FRIEND_TITLE = "新的微信客户"
DELETED_BY_CUSTOMER = ("{rep} 的微信客户「{name}」删除了{rep}（{when}）。"
                       "客户资料已保留，请关注是否需要换人跟进。")
TRANSFER_FAILED = "微信客户「{name}」转给 {takeover} 没有成功：{reason}。客户仍由原负责人跟进。"
TRANSFER_REASONS = {"customer_refused": "客户拒绝了转接",
                    "customer_limit_exceed": "接替成员的客户数已达上限"}
