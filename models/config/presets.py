"""Team-size presets (C8): one choice sets the fields, rules and settings that fit the
team, and every piece can still be changed afterwards.

| preset | fields | rules on | settings |
|---|---|---|---|
| small (≤5)   | follow-up board on customers: 下次跟进时间, 跟进阶段, 跟进照片 (name and contact are built in) | — | visit validation off, follow-up board on |
| growth (10–50) | — | contract_review_72h, contract_stamp_24h (collection warnings) | visit validation on |
| large (50+)  | — | the above + supervisor_digest | visit validation on, health KPIs per department on |

Switching presets: ``plan`` says what would change (the preview page shows it, with how
many records hold data in a field that would be retired); ``apply`` makes exactly those
changes in one audited batch, so one undo puts everything back. Fields the preset did not
add (a supervisor's own) are never touched; a preset's field is retired, not deleted,
when another preset is chosen (its values stay). Rule rows are seeded by the message
center; a code that is not there is skipped.

Whose configuration a preset changes (``team``): a supervisor's choice sets their own
team's fields and settings only, and never the message-center rules, which are the whole
company's and an admin's (``with_rules``); an admin's or a director's choice is the
company's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from models.config import custom_fields as cf
from models.config import team_config as tc

SMALL, GROWTH, LARGE = "small", "growth", "large"
COLLECTION_RULES = ("contract_review_72h", "contract_stamp_24h")
DIGEST_RULE = "supervisor_digest"
PRESET_RULES = (*COLLECTION_RULES, DIGEST_RULE)
STAGES = ("初步接触", "需求确认", "方案报价", "商务谈判", "成交", "搁置")
NEXT_FIELD, STAGE_FIELD, PROOF_FIELD = "下次跟进时间", "跟进阶段", "跟进照片"

UNKNOWN = "没有这个预设"
NOTHING = "当前已是该预设的配置，没有需要修改的内容"


@dataclass(frozen=True)
class PresetField:
    entity: str
    name: str
    kind: str
    options: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Preset:
    code: str
    title: str
    summary: str
    fields: tuple[PresetField, ...]
    rules: dict[str, bool]
    settings: dict[str, Any]


PRESETS: dict[str, Preset] = {
    SMALL: Preset(
        SMALL, "小团队（5人以内）", "跟进看板：客户名称、联系人、下次跟进时间、跟进阶段，"
                                    "外加照片凭证",
        fields=(PresetField(cf.CUSTOMER, NEXT_FIELD, cf.DATE),
                PresetField(cf.CUSTOMER, STAGE_FIELD, cf.SELECT, STAGES),
                PresetField(cf.CUSTOMER, PROOF_FIELD, cf.PHOTO)),
        rules=dict.fromkeys(PRESET_RULES, False),
        settings={tc.VISIT_VALIDATION: False, tc.HEALTH_KPIS: False,
                  tc.FOLLOWUP_BOARD: True}),
    GROWTH: Preset(
        GROWTH, "成长团队（10–50人）", "开启拜访验真和回款预警（合同审核72小时、盖章24小时）",
        fields=(),
        rules={**dict.fromkeys(COLLECTION_RULES, True), DIGEST_RULE: False},
        settings={tc.VISIT_VALIDATION: True, tc.HEALTH_KPIS: False,
                  tc.FOLLOWUP_BOARD: False}),
    LARGE: Preset(
        LARGE, "大团队（50人以上）", "在成长团队基础上，按部门看销售健康指标，主管每周收到摘要",
        fields=(),
        rules=dict.fromkeys(PRESET_RULES, True),
        settings={tc.VISIT_VALIDATION: True, tc.HEALTH_KPIS: True,
                  tc.FOLLOWUP_BOARD: False}),
}


@dataclass
class Plan:
    """What choosing a preset changes, for the preview page and for ``apply``."""

    preset: Preset
    current: str | None
    add: list[PresetField] = field(default_factory=list)
    restore: list[cf.FieldDef] = field(default_factory=list)
    retire: list[tuple[cf.FieldDef, int]] = field(default_factory=list)  # with data count
    rules: list[tuple[str, str, bool]] = field(default_factory=list)  # code, name, enabled
    missing_rules: list[str] = field(default_factory=list)
    settings: list[tuple[str, Any, Any]] = field(default_factory=list)  # key, before, after
    team: str = tc.COMPANY
    # The preset's rule switches left alone: a team's choice, or a director's (rules are
    # an admin's); the preview says so.
    rules_kept: bool = False

    @property
    def forms(self) -> list[str]:
        entities = {f.entity for f in self.add} | {f.entity for f in self.restore} | {
            f.entity for f, _ in self.retire}
        return [cf.ENTITY_NAMES[e] for e in cf.ENTITIES if e in entities]

    @property
    def empty(self) -> bool:
        return not (self.add or self.restore or self.retire or self.rules or self.settings
                    or self.current != self.preset.code)


def plan(session: Session, code: str, *, team: str = tc.COMPANY,
         with_rules: bool = True) -> Plan:
    """What choosing ``code`` changes for ``team`` (the company's when COMPANY); the rule
    switches only ``with_rules`` (an admin's company-wide choice)."""
    preset = PRESETS.get(code)
    if preset is None:
        raise cf.FieldRefused(UNKNOWN)
    with_rules = with_rules and team == tc.COMPANY
    out = Plan(preset, tc.get(session, tc.PRESET, team), team=team,
               rules_kept=not with_rules and bool(preset.rules))
    wanted = {(f.entity, f.name) for f in preset.fields}
    for spec in preset.fields:
        # The team's own field of that name, or a company one its people already see.
        existing = cf.find_field(session, spec.entity, spec.name, team)
        if existing is None:
            out.add.append(spec)
        elif not existing.active and existing.team == team:
            out.restore.append(existing)
    others = session.exec(select(cf.FieldDef).where(col(cf.FieldDef.active).is_(True),
                                                    col(cf.FieldDef.preset).is_not(None),
                                                    cf.FieldDef.team == team)
                          .order_by(col(cf.FieldDef.id))).all()
    for other in others:
        if (other.entity, other.name) not in wanted and other.id is not None:
            out.retire.append((other, cf.values_count(session, other.id)))
    for code_, enabled in preset.rules.items() if with_rules else ():
        rule = tc.rule_by_code(session, code_)
        if rule is None:
            out.missing_rules.append(code_)
        elif rule.enabled != enabled:
            out.rules.append((code_, rule.name, enabled))
    for key, value in preset.settings.items():
        before = tc.get(session, key, team)
        if before != value:
            out.settings.append((key, before, value))
    return out


def apply(session: Session, code: str, *, actor: str, team: str = tc.COMPANY,
          with_rules: bool = True) -> str:
    """Make the changes ``plan`` lists, as one audited batch; returns the batch id."""
    todo = plan(session, code, team=team, with_rules=with_rules)
    batch = tc.new_batch()
    tc.record_change(session, actor=actor, area=tc.AREA_PRESET, key=tc.PRESET,
                     before=todo.current, after=code, batch=batch, team=team)
    tc.set_value(session, tc.PRESET, code, actor=actor, batch=batch, team=team)
    for spec in todo.add:
        cf.create_field(session, actor=actor, entity=spec.entity, name=spec.name,
                        kind=spec.kind, options=list(spec.options) or None,
                        required=spec.required, preset=code, batch=batch, team=team)
    for existing in todo.restore:
        assert existing.id is not None
        cf.set_active(session, existing.id, actor=actor, active=True, batch=batch)
    for retiring, _ in todo.retire:
        assert retiring.id is not None
        cf.set_active(session, retiring.id, actor=actor, active=False, batch=batch)
    for rule_code, _, enabled in todo.rules:
        tc.set_rule_enabled(session, rule_code, enabled, actor=actor, batch=batch)
    for key, _, value in todo.settings:
        tc.set_value(session, key, value, actor=actor, batch=batch, team=team)
    return batch


def load_demo(session: Session) -> None:
    """Demo configuration (37 people: the growth preset, and one optional visit field a
    supervisor might have added in a meeting). Idempotent: only when no preset is set."""
    if tc.get(session, tc.PRESET) is not None:
        return
    apply(session, GROWTH, actor="demo")
    if cf.find_field(session, cf.VISIT, "竞品品牌") is None:
        cf.create_field(session, actor="demo", entity=cf.VISIT, name="竞品品牌", kind=cf.SELECT,
                        options=["A牌", "B牌", "其他"])
