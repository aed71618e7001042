"""The Chinese sentences lib/ shows to people: phone-number checks (lib.phone) and the
spreadsheet reader's refusals (lib.sheets).

They live here, beside the pure helpers that raise them, so lib/ needs nothing from the
data layer; models.messages re-exports the few the importers also show. Placeholders use
``str.format`` names."""

from __future__ import annotations

# -- phone numbers (lib/phone.py) -------------------------------------------------------
PHONE_EMPTY = "请填写电话"
PHONE_BAD_CHARS = "电话中含有无效字符“{chars}”，只能填写数字、空格、短横线和括号"
PHONE_SCIENTIFIC = "电话被Excel转成了科学计数法（{raw}），请把该列设为文本格式后重新填写"
PHONE_NOT_MAINLAND = "仅支持中国大陆的手机号或固定电话（{raw}）"
PHONE_MOBILE_LENGTH = "手机号应为11位，当前为{n}位"
PHONE_MOBILE_PREFIX = "手机号号段“{prefix}”不存在，请核对"
PHONE_MOBILE_EXTENSION = "手机号不能带分机号"
PHONE_LANDLINE_LENGTH = "固定电话号码（不含区号）应为7到8位，当前为{n}位"
PHONE_LANDLINE_INVALID = "固定电话无效：区号“{area}”与号码“{local}”不匹配，请核对区号"
PHONE_NEEDS_AREA_CODE = "固定电话请加区号，例如0571-88886666"
PHONE_SERVICE_INVALID = "400/800电话应为10位，例如400-820-8820"
PHONE_UNRECOGNISED = "无法识别的电话号码“{raw}”，手机号应为11位，固定电话需带区号"

# -- reading spreadsheets (lib/sheets.py) -----------------------------------------------
IMPORT_UNSUPPORTED_FILE = "不支持的文件类型“{suffix}”，请使用.xlsx或.csv"
IMPORT_UNREADABLE = "无法读取文件：{error}"
IMPORT_EMPTY = "文件中没有数据"
# A spreadsheet beyond lib.sheets.SheetLimits: refused before it is unpacked or read on.
IMPORT_TOO_BIG = (
    "文件超出处理上限，已拒绝：{what}为{size}，上限{limit}。"
    "请删除多余的内容或把文件拆成几份后重新上传。"
)
IMPORT_RATIO = (
    "文件疑似“压缩炸弹”，已拒绝，没有导入任何数据：其中“{name}”压缩后{packed}，"
    "解压后{size}（{ratio}倍）。请用Excel重新另存为.xlsx后再上传。"
)
IMPORT_TOO_SLOW = "文件处理超过{seconds}秒仍未读完，已停止。请把文件拆成几份后重新上传。"
IMPORT_PART = "解压后的“{name}”"
IMPORT_STRINGS_PART = "解压后的共享字符串表"
IMPORT_ALL_PARTS = "解压后的总大小"
IMPORT_STRINGS = "共享字符串条数"
IMPORT_ROWS = "行数"
IMPORT_CELLS = "单元格数"
IMPORT_COLUMNS = "列数"
