"""Every Chinese sentence of the contract chat commands and card buttons
(handlers/contracts/commands.py) and of the bank export upload's result
(handlers/contracts/bank_upload.py)."""

SHOW_USAGE = "合同 <客户名称或合同编号>"
SHOW_SUMMARY = "查看合同：状态、金额、回款和盖章页"
SHOW_ASK = "请在「合同」后面写上合同编号或客户名称，例如：合同 HT20261127001"
NONE_FOR_CUSTOMER = "客户「{customer}」还没有合同。"
SIGN_USAGE = "签约 <合同编号>"
SIGN_SUMMARY = "合同签约（签约后自动推送财务审核，24小时内请上传盖章页）"
SIGN_ASK = "请写上合同编号，例如：签约 HT20261127001"
SIGNED_DONE = ("合同「{no}」已签约（{customer}，¥{amount}），已推送财务审核。"
               "请在24小时内上传盖章页：{url}")
NEW_USAGE = "新合同 <客户> <金额>"
NEW_SUMMARY = "创建合同草稿"
NEW_ASK = "请写上客户和金额，例如：新合同 杭州华滤环保 12.8万"
NEW_DONE = "已创建合同草稿「{no}」：{customer}，¥{amount}。确认后发送「签约 {no}」。"
FORECAST_USAGE = "回款预测 <合同编号> <金额> <日期>"
FORECAST_SUMMARY = "填写回款预测（金额和预计到账日期）"
FORECAST_ASK = "请写上合同编号、金额和日期，例如：回款预测 HT20261127001 5万 2026-12-31"
FORECAST_DONE = "已记录回款预测：合同「{no}」¥{amount}，预计{day}到账。"
REVIEW_USAGE = "审核 <合同编号> 通过|退回 <原因>"
REVIEW_SUMMARY = "财务审核合同（退回须写原因）"
REVIEW_ASK = ("请写上合同编号和结论，例如：审核 HT20261127001 通过，或：审核 HT20261127001 退回 "
              "金额与报价不符")
REVIEW_APPROVE_WORDS = ("通过", "审核通过", "同意")
REVIEW_RETURN_WORDS = ("退回", "驳回", "不通过")
APPROVED_DONE = "已审核通过合同「{no}」（{customer}，¥{amount}），已计入应收。"
RETURNED_DONE = "已退回合同「{no}」，原因：{reason}。已通知业务员。"
PAYMENT_USAGE = "回款 <合同编号> <金额> [日期]"
PAYMENT_SUMMARY = "财务登记回款"
PAYMENT_ASK = "请写上合同编号和金额，例如：回款 HT20261127001 5万 2026-11-27"
PAYMENT_DONE = ("已登记回款：合同「{no}」¥{amount}（{day}），累计回款¥{collected}，"
                "未回款¥{outstanding}。")
RETURN_FLOW_TITLE = "合同退回"
RETURN_ASK = "请回复退回合同「{no}」的原因（发送「取消」放弃退回）："
RETURN_RESTART = "如需退回，请再点一次卡片上的「退回」，或发送「审核 合同编号 退回 原因」。"
RETURN_EMPTY = "退回原因不能为空，请写明原因："

# -- the bank export upload (handlers/contracts/bank_upload.py) --
IMPORT_JOB_FAILED = "导入时发生系统错误，请稍后重试或联系技术支持"
