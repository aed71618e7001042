"""Every Chinese sentence the contract, payment and forecast logic shows to people
(handlers/contracts/actions.py, handlers/contracts/import_contracts.py,
analytics/collections.py)."""

from __future__ import annotations

STATUS_LABELS = {
    "draft": "草稿",
    "signed": "已签约待审核",
    "returned": "已退回",
    "approved": "已审核（应收）",
    "partly_collected": "部分回款",
    "collected": "已回款",
}
EVENT_LABELS = {
    "draft": "创建草稿",
    "signed": "签约",
    "returned": "财务退回",
    "approved": "财务审核通过",
    "partly_collected": "回款",
    "collected": "回款（已结清）",
    "stamped_page": "上传盖章页",
    "forecast": "回款预测",
    "import": "导入",
}

NOT_FOUND = "找不到合同「{no}」"
NOT_FOUND_PLAIN = "找不到这份合同"
CUSTOMER_NOT_FOUND = "找不到客户「{query}」"
CUSTOMER_AMBIGUOUS = "「{query}」匹配到多个客户：{names}，请写完整的客户名称或电话"
AMOUNT_INVALID = "金额「{value}」无效，请写数字，例如 128000 或 12.8万"
AMOUNT_NOT_POSITIVE = "金额必须大于0"
AMOUNT_TOO_LARGE = "金额「{value}」过大"
DATE_INVALID = "日期「{value}」无效，请写成 2026-12-31 或 12-31"
NOT_EDITOR = ("您的角色（{role}）不能创建、签约合同或填写回款预测，"
              "这些操作由业务员、主管和销售总监完成。")
NOT_FINANCE = "只有财务可以审核合同和登记回款。"
SIGN_ILLEGAL = "合同「{no}」当前状态为「{status}」，只有草稿或被退回的合同可以签约。"
REVIEW_ILLEGAL = "合同「{no}」当前状态为「{status}」，只有已签约待审核的合同可以审核。"
RETURN_NEEDS_REASON = "退回合同必须写明原因。"
REASON_TOO_LONG = "退回原因最多200字，当前{n}字。"
PAYMENT_ILLEGAL = "合同「{no}」当前状态为「{status}」，财务审核通过后才能登记回款。"
PAYMENT_OVER = "回款金额 {amount} 超过合同「{no}」未回款金额 {outstanding}，没有登记。"
PAYMENT_FUTURE = "回款日期 {day} 晚于今天，请核对。"
BANK_REF_TOO_LONG = "流水号最长64个字符"
FORECAST_ILLEGAL = "合同「{no}」当前状态为「{status}」，签约后、回款结清前才能填写回款预测。"
FORECAST_OVER = "预测金额 {amount} 超过合同「{no}」未回款金额 {outstanding}。"
FORECAST_PAST = "预计回款日期 {day} 已经过去，请填写今天或以后的日期。"
STAMP_NOT_SIGNED = "合同「{no}」还没有签约，签约后再上传盖章页。"
STAMP_EMPTY = "盖章页文件为空，请重新拍摄或选择文件。"
STAMP_TOO_LARGE = "盖章页文件 {size} 超过上限 {limit}。"
STAMP_WRONG_TYPE = "盖章页只接受 JPEG、PNG 照片或 PDF 文件。"
REP_APPROVED = "您的合同「{no}」已由{by}审核通过，已计入应收。"
REP_RETURNED = "您的合同「{no}」被{by}退回，原因：{reason}。请修改后重新签约（发送「签约 {no}」）。"
CONTRACT_NO_INVALID = "合同编号只能包含字母、数字、短横线和下划线，最长64个字符。"
CONTRACT_NO_TAKEN = "合同编号「{no}」已存在。"

# -- the contracts import (zhongshu import contracts) -----------------------------------
IMPORT_STATUS_UNKNOWN = ("状态「{value}」无法识别，可填：草稿、已签约、已退回、已审核、部分回款、"
                         "已回款")
IMPORT_SIGNED_AT_REQUIRED = "状态为「{status}」的合同必须填写签约时间"
IMPORT_STAMP_INVALID = "盖章页只能填“有”或“无”（收到「{value}」）"
IMPORT_PAID_OVER = "回款金额 {paid} 超过合同金额 {amount}"
IMPORT_PAID_NOT_RECEIVABLE = "状态为「{status}」的合同不能有回款金额（财务审核通过后才有回款）"
IMPORT_CUSTOMER_MISSING = "找不到客户「{value}」，请先导入客户"
IMPORT_CUSTOMER_AMBIGUOUS = "客户名称「{value}」对应多个客户，请改填电话"
IMPORT_OWNER_REQUIRED = "请填写负责人（企业微信账号或姓名）"
IMPORT_SUMMARY = ("合同导入完成：共{total}行，新增{inserted}份，更新{updated}份，"
                  "拒绝{refused}行，通知财务{pushed}份")
IMPORT_PAYMENTS_SUMMARY = ("银行流水导入完成：共{total}行，登记回款{booked}笔，"
                           "已导入过{skipped}笔，拒绝{refused}行")
IMPORT_PAYMENT_NO_CONTRACT = "找不到合同「{value}」"
IMPORT_PAYMENT_REF_REQUIRED = "请填写流水号（用于防止重复导入）"
IMPORT_PAYMENT_DUP_IN_FILE = "流水号「{ref}」在文件中重复（第{row}行已有）"
