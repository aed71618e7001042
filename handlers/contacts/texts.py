"""What reps and supervisors read about their WeChat customers."""

NEW_FRIEND = "新的微信客户「{name}」已加入您的客户列表{channel}。点开补全公司、行业等资料。"
NEW_FRIEND_CHANNEL = "（来源渠道：{state}）"
NEW_FRIEND_TITLE = "新的微信客户"
DELETED_BY_CUSTOMER = ("{rep} 的微信客户「{name}」删除了{rep}（{when}）。"
                       "客户资料已保留，请关注是否需要换人跟进。")

REASSIGN_USAGE = "转交 客户名 接手人姓名"
REASSIGN_SUMMARY = "把客户转给团队里的另一位销售（微信客户一并转接）"
REASSIGN_ASK = "请这样发：转交 客户名 接手人姓名，例如：转交 华东机械 李娜"
REASSIGN_NO_RIGHT = "只有主管或总监可以转交客户。"
REASSIGN_NO_CUSTOMER = "没有找到您可以转交的客户「{query}」。"
REASSIGN_MANY_CUSTOMERS = "「{query}」对应多位客户：{names}。请写全客户名称。"
REASSIGN_NO_TAKER = "没有找到可以接手的同事「{name}」（需在您的团队内、在职的销售）。"
REASSIGN_SAME = "「{customer}」已经由 {taker} 负责。"
REASSIGN_BUSY = "「{customer}」的微信转接还在进行中，完成后再转交。"
REASSIGN_DONE = "已把「{customer}」转给 {taker}。"
REASSIGN_STARTED = ("已发起「{customer}」的微信客户转接（{count} 位微信联系人）给 {taker}。"
                    "客户 24 小时内未拒绝即完成，完成后负责人自动改为 {taker}；"
                    "在此之前仍由原负责人跟进。")
TRANSFER_DONE = "「{customer}」的微信客户已转接完成，现由 {taker} 负责。"
TRANSFER_REFUSED = "「{customer}」没有转给 {taker}：{reason}。客户仍由原负责人跟进。"
# WeCom's errcodes (global table, doc 90313) and transfer_result statuses.
TRANSFER_ERRORS = {"40128": "该客户 90 天内已转接过两次，企业微信不允许再转",
                   "40129": "该客户正在转接中",
                   "40130": "原负责人和接手人不能是同一人",
                   "40131": "该微信客户已不是原负责人的好友",
                   "84061": "该微信客户已不是原负责人的好友",
                   "40096": "企业微信里找不到这位微信客户",
                   "3": "客户拒绝了转接", "4": "接替成员的客户数已达上限",
                   "customer_refused": "客户拒绝了转接",
                   "customer_limit_exceed": "接替成员的客户数已达上限"}
