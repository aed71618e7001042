"""Every Chinese string of the contract pages (web/contracts/pages.py and its templates)."""

LIST_TITLE = "合同"
LIST_EMPTY = "没有符合条件的合同"
SEARCH_PLACEHOLDER = "合同编号或客户名称"
SEARCH = "搜索"
ALL_STATUSES = "全部状态"
TOTAL = "共 {total} 份"
RISK_BADGE = "风险单"
NOT_FOUND_TITLE = "找不到这份合同"
NOT_FOUND_DESC = "合同不存在，或不在您的查看范围内。"
BACK_TO_LIST = "返回合同列表"
DETAIL_FIELDS = {
    "customer": "客户", "amount": "合同金额", "status": "状态", "owner": "业务员",
    "signed_at": "签约时间", "reviewed": "审核", "stamped": "盖章页", "collected": "已回款",
    "outstanding": "未回款", "return_reason": "退回原因",
}
STAMPED_NONE = "未上传"
STAMPED_VIEW = "查看盖章页（{when}）"
HISTORY = "状态记录"
FORECASTS = "回款预测"
PAYMENTS = "回款记录"
NONE_YET = "暂无"
FORECAST_LINE = "预计 {day} 回款 ¥{amount}"
PAYMENT_LINE = "{day} 回款 ¥{amount}"
BANK_REF = "流水号 {ref}"
SIGN_BUTTON = "确认签约"
SIGN_HINT = "签约后立即推送财务审核；请在24小时内上传盖章页，否则会被标记为风险单。"
UPLOAD_TITLE = "上传盖章页"
UPLOAD_HINT = "拍照或选择 JPEG/PNG 照片、PDF 扫描件，不超过 {limit}。"
UPLOAD_BUTTON = "上传"
FORECAST_TITLE = "填写回款预测"
FORECAST_AMOUNT = "金额（元）"
FORECAST_DAY = "预计到账日期"
FORECAST_BUTTON = "保存预测"
REVIEW_TITLE = "财务审核"
APPROVE_BUTTON = "审核通过"
RETURN_BUTTON = "退回"
RETURN_REASON = "退回原因（退回时必填）"
PAYMENT_TITLE = "登记回款"
PAYMENT_AMOUNT = "金额（元）"
PAYMENT_DAY = "回款日期"
PAYMENT_REF = "银行流水号（选填）"
PAYMENT_BUTTON = "登记回款"
DONE = {
    "signed": "已签约，已推送财务审核。",
    "stamped": "盖章页已上传。",
    "forecast": "回款预测已保存。",
    "approved": "已审核通过，已通知业务员。",
    "returned": "已退回，已通知业务员。",
    "payment": "回款已登记。",
    "payment_dup": "该流水号已经登记过，没有重复登记。",
}
REVIEW_QUEUE_TITLE = "待审核合同"
REVIEW_QUEUE_DESC = "按签约时间从早到晚排列；超过72小时未审核会提醒财务负责人。"
REVIEW_QUEUE_EMPTY = "没有待审核的合同"
WAITING = "已等待 {hours} 小时"
RISK_TITLE = "风险合同"
RISK_DESC = "签约超过24小时仍未上传盖章页的合同。上传盖章页后自动解除。"
RISK_EMPTY = "没有风险合同"
RISK_SINCE = "{when} 标记为风险单"
IMPORT_TITLE = "导入银行流水"
IMPORT_DESC = ("上传银行导出的 .xlsx/.csv，需包含列：交易日期、金额、合同编号、流水号。"
               "同一流水号只登记一次，重复导入不会重复记账；有问题的行逐行列出，其余行照常登记。")
IMPORT_FILE = "银行流水文件"
IMPORT_BUTTON = "导入"
IMPORT_RESULT = "导入结果"
IMPORT_ERRORS = "未登记的行"
IMPORT_ROW = "第{row}行：{reason}"
IMPORT_FILE_MISSING = "请选择要导入的文件"
IMPORT_WAITING = "请稍候，页面会自动更新"
IMPORT_NOT_FOUND = "导入记录不存在或已过期"
IMPORT_ANOTHER = "继续导入"
IMPORT_MORE_ROWS = "……另有 {n} 行未列出"
IMPORT_STATUS = {
    "queued": "处理中：排队等候",
    "running": "处理中：正在登记回款",
    "done": "导入完成",
    "refused": "未导入",
    "failed": "导入失败",
}
REPORTS_TITLE = "回款报表"
AGING_TITLE = "应收账龄（按业务员）"
AGING_DESC = "按审核通过日起算的天数分段统计未回款金额。"
AGING_HEADERS = ("业务员", "0-30天", "31-60天", "61-90天", "90天以上", "合计")
AGING_TOTAL = "合计"
AGING_EXPORT = "导出 Excel"
AGING_SHEET = "应收账龄"
AGING_FILENAME = "应收账龄_{date}.xlsx"
ACCURACY_TITLE = "回款预测准确率（按月）"
ACCURACY_DESC = ("预测 = 当月预计到账的回款预测金额；实际 = 这些合同当月实际回款；"
                 "准确率 = 1 − |实际 − 预测| ÷ 预测（最低0%）。")
ACCURACY_HEADERS = ("月份", "预测", "实际", "准确率")
APPROVAL_TITLE = "审批用时（签约 → 财务审核通过）"
APPROVAL_DESC = "工作日按国家法定节假日和调休计算，只计工作日内经过的时间。"
APPROVAL_HEADERS = ("月份", "合同数", "平均天数", "平均工作日")
APPROVAL_ALL = "全部"
HEAD_RECEIVABLE = "应收"
HEAD_COLLECTED = "已回款"
HEAD_OUTSTANDING = "未回款"
HEAD_PENDING = "待审核"
HEAD_RISK = "风险单"
NAV_LIST = "合同列表"
NAV_REVIEW = "待审核"
NAV_RISK = "风险合同"
NAV_REPORTS = "回款报表"
NAV_IMPORT = "导入银行流水"
CUSTOMER_SECTION = "合同与回款"
CUSTOMER_CONTRACT_TITLE = "合同 {no} · {status}"
CUSTOMER_CONTRACT_AMOUNT = "¥{amount}"
CUSTOMER_CONTRACT_LINE = "已回款 ¥{collected}，未回款 ¥{outstanding}"
CUSTOMER_PAYMENT_TITLE = "回款 · 合同 {no}"
