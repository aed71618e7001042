"""One set of words across chat, cards and pages (models.config.glossary): no retired spelling
of a grade or status anywhere in the product's code, templates or scripts, a list field
is never prompted with 请填写, and the glossary's words are the ones shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.config import glossary

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("analytics", "bot", "cards", "handlers", "jobs", "lib", "models", "web", "zhongshu")
# Where a retired spelling is read, not shown: what people type or put in a sheet header.
READS_INPUT = {
    "models/config/glossary.py", "models/customers/cleaning.py", "models/imports/customers.py",
}
RETIRED = re.compile("|".join(
    [re.escape(t) for t in glossary.RETIRED if t.strip() != "级"]
    + [r"[ABC}\-—] 级", r"\{grade\}类", r"'-'\}级"]))


def _product_files() -> list[Path]:
    found: list[Path] = []
    for folder in PRODUCT:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".html", ".js", ".md") and "vendor" not in path.parts:
                found.append(path)
    return found


def test_no_retired_term_is_left_in_the_product():
    offenders = []
    for path in _product_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative in READS_INPUT:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if RETIRED.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_a_list_is_chosen_from_never_filled_in():
    selects = re.compile(r"<select\b.*?</select>", re.DOTALL)
    for path in (ROOT / "web" / "templates").rglob("*.html"):
        for block in selects.findall(path.read_text(encoding="utf-8")):
            assert "请填写" not in block, path
    from handlers.visits import texts as checkin_texts

    for kind in ("select", "multi"):
        assert "请填写" not in checkin_texts.CHAT_ASK_FIELD[kind]
    from models.config import custom_fields as cf

    assert cf.REQUIRED_CHOOSE == "请选择“{name}”" and cf.REQUIRED == "请填写“{name}”"


@pytest.mark.parametrize(("grade", "label"), [("A", "A级"), ("C", "C级"), (None, "未评级"),
                                              ("", "未评级"), ("-", "未评级")])
def test_grades_read_the_same_everywhere(grade, label):
    from analytics import drill
    from cards import texts as card_texts
    from web import texts as page_texts

    assert glossary.grade_label(grade) == label
    assert card_texts.NO_GRADE == page_texts.NO_GRADE == drill.NO_GRADE == "未评级"
    assert page_texts.GRADE_LABEL.format(grade="B") == card_texts.GRADE_VALUE.format(
        grade="B") == "B级"


def test_roles_have_one_name():
    from handlers.general import texts as chat_texts
    from models.org.user import ROLE_NAMES, ROLES
    from web import texts as page_texts

    assert ROLE_NAMES is glossary.ROLE_NAMES is chat_texts.ROLE_NAMES is page_texts.ROLE_NAMES
    assert set(ROLES) == set(ROLE_NAMES)
