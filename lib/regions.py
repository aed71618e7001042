"""Sales regions (大区) and the provinces in each.

Directors are scoped by region, so a customer's region must be one of a known list; when
an import or a form gives only the province, the region is derived from it. The split is
the usual seven-region one used by Chinese sales organisations.

Pure data and string matching (no DB): used by models.customers.cleaning and the importers,
analytics.drill, lib.company_names and the demo data."""

from __future__ import annotations

REGION_PROVINCES: dict[str, tuple[str, ...]] = {
    "华东": ("上海", "江苏", "浙江", "安徽", "福建", "江西", "山东"),
    "华南": ("广东", "广西", "海南"),
    "华北": ("北京", "天津", "河北", "山西", "内蒙古"),
    "华中": ("河南", "湖北", "湖南"),
    "西南": ("重庆", "四川", "贵州", "云南", "西藏"),
    "西北": ("陕西", "甘肃", "青海", "宁夏", "新疆"),
    "东北": ("辽宁", "吉林", "黑龙江"),
}
REGIONS: tuple[str, ...] = tuple(REGION_PROVINCES)
PROVINCE_REGION: dict[str, str] = {
    province: region for region, provinces in REGION_PROVINCES.items() for province in provinces
}
# Provinces outside the seven regions are still valid places, with no region.
PROVINCES: tuple[str, ...] = (*PROVINCE_REGION, "台湾", "香港", "澳门")
# Longest first so "内蒙古自治区" is not read as some shorter name.
_PROVINCES_BY_LENGTH = sorted(PROVINCES, key=len, reverse=True)
_REGION_SUFFIXES = ("大区", "地区", "区")


def canonical_region(value: str) -> str | None:
    """``华东区`` / ``华东大区`` → ``华东``; None when not a known region."""
    text = value.strip()
    for suffix in _REGION_SUFFIXES:
        if text.endswith(suffix) and text[: -len(suffix)] in REGION_PROVINCES:
            return text[: -len(suffix)]
    return text if text in REGION_PROVINCES else None


def canonical_province(value: str) -> str | None:
    """``浙江省`` / ``广西壮族自治区`` / ``浙江省绍兴市`` → the short name; None if unknown."""
    text = value.strip()
    for province in _PROVINCES_BY_LENGTH:
        if text.startswith(province):
            return province
    return None


def region_of(province: str | None) -> str | None:
    return PROVINCE_REGION.get(province) if province else None
