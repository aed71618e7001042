"""The Chinese sentences of a store traffic / POS upload's result
(handlers/stores/uploads.py), shown on the upload's result page (web/stores)."""

UPLOAD_REFUSED = "文件有 {n} 行错误，整份文件没有保存："
UPLOAD_DONE_TRAFFIC = "已保存 {n} 个小时的客流（同一小时重复上传会覆盖，不会累加）。"
UPLOAD_DONE_SALES = "已保存 {n} 笔新交易，{same} 笔此前已导入（按小票号去重）。"
UPLOAD_FAILED = "处理文件时发生系统错误，没有保存任何数据，请稍后重试"
