"""Benchmark: one full sweep of every message-center rule (C7 target: ≤ 10 s on 1M
customers and 100k contracts, and ≤ 2× the same work as bare SQL).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/zs_b \\
    REDIS_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/rules_sweep.py

THE DATABASE IT IS GIVEN IS WIPED (schema dropped, migrated afresh). It refuses SQLite and
the databases named ``test``/``postgres``.

Data (generate_series, ~1–3 min with progress): 500 reps in 50 teams, 3 finance users (one
finance lead with DingTalk), 1M customers (grades A/B/C/none, last interaction spread over
the last 120 days, 60 % with a last order spread over 400 days), 100k contracts signed
over the last year (signed in the last 4 days = still awaiting review; 2 % never got their
stamped page). The clock is Monday 2026-11-23 09:00 Shanghai — the week's peak: every
deadline that fell over the weekend fires now. Steady state: what fell due before Saturday
was fired by earlier sweeps, so the ledger (rule_firing), the open wake-up tasks and the
risk flags are pre-filled for those, as those sweeps would have left them.

Friday's sweeps also left their ``rule_sweep`` marks, so Monday's sweep of the
customer-wide rules is incremental (deadlines since Friday's last sweep, minus a day).

Measured, in this order:

1. bare SQL: per rule the statements a hand-written sweep needs (INSERT … SELECT … ON
   CONFLICT DO NOTHING RETURNING into the ledger, the risk UPDATE, the wake-up task
   INSERT, the outbox INSERT with the message text built by ``format()``, the digest's
   GROUP BYs) with the same incremental window — warmed once, then timed, rolled back;
2. ``jobs.rules.sweep_rules(now)``: the real sweep (committed) — the headline figure;
3. the full variant (every overdue customer, as the weekly full sweep or the first sweep
   after a rule change does) on the state left by 2: bare SQL, then the sweep with its
   marks deleted. Both find everything already fired: this is the cost of looking.

Prints per-rule messages and the ratios (sweep / bare)."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
# Saturday 00:00: what fell due before it was fired by Friday's sweeps.
FIRED_BEFORE = datetime(2026, 11, 21, 0, 0, tzinfo=SHANGHAI).astimezone(UTC)
FRIDAY_FULL = datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
DAY = "2026-11-23"
ONCE = "1970-01-01"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- data ---------------------------------------------------------------------------------

def generate(conn: Any, customers: int, contracts: int, reps: int) -> None:
    from sqlalchemy import text

    teams = max(1, reps // 10)
    p = {"now": NOW, "fired_before": FIRED_BEFORE}
    conn.execute(text("SELECT setseed(0.20261123)"))
    conn.execute(text("""
        INSERT INTO app_user (wecom_userid, name, role, supervisor_userid, region, active,
                              created_at, finance_lead, dingtalk_userid)
        SELECT 'dir' || i, '总监' || i, 'director', NULL, '区域' || i, true, :now, false, NULL
          FROM generate_series(0, 4) i
        UNION ALL
        SELECT 'sup' || i, '主管' || i, 'supervisor', 'dir' || (i % 5), '区域' || (i % 5), true,
               :now, false, 'ding-sup' || i FROM generate_series(0, CAST(:teams AS integer) - 1) i
        UNION ALL
        SELECT 'rep' || i, '业务员' || i, 'rep', 'sup' || (i % :teams), '区域' || (i % 5), true,
               :now, false, NULL FROM generate_series(0, CAST(:reps AS integer) - 1) i
        UNION ALL
        SELECT 'fin' || i, '财务' || i, 'finance', NULL, NULL, true, :now, i = 0, 'ding-fin' || i
          FROM generate_series(0, 2) i"""), {**p, "teams": teams, "reps": reps})
    step = 100_000
    for start in range(1, customers + 1, step):
        end = min(customers, start + step - 1)
        conn.execute(text("""
            INSERT INTO customer (name, name_key, grade, owner, region, source, stage,
                                  created_at, updated_at, last_interaction_at, last_order_at)
            SELECT '客户' || i, 'kh' || i, (ARRAY['A', 'B', 'C', NULL])[1 + i % 4],
                   'rep' || (i % :reps), '区域' || (i % 5), 'import', 'lead',
                   :now - interval '500 days', :now,
                   :now - random() * interval '120 days',
                   CASE WHEN i % 5 < 3 THEN :now - random() * interval '400 days' END
              FROM generate_series(CAST(:start AS integer), CAST(:end AS integer)) i"""),
                     {**p, "reps": reps, "start": start, "end": end})
        log(f"customers {end:,}/{customers:,}")
    conn.execute(text("""
        INSERT INTO contract (contract_no, customer_id, owner, amount, status, signed_at,
                              stamped_at, reviewed_at, reviewed_by, collected_amount, source,
                              created_at, updated_at)
        SELECT 'HT' || i, cid, 'rep' || (cid % :reps), 10000 + (i % 500) * 1000,
               CASE WHEN s > :now - interval '4 days' THEN 'signed' ELSE 'approved' END, s,
               CASE WHEN i % 50 <> 7 THEN s + interval '2 hours' END,
               CASE WHEN s > :now - interval '4 days' THEN NULL ELSE s + interval '1 day' END,
               CASE WHEN s > :now - interval '4 days' THEN NULL ELSE 'fin0' END,
               0, 'import', s, s
          FROM (SELECT i, 1 + (i * 7919) % :customers AS cid,
                       :now - random() * interval '365 days' AS s
                  FROM generate_series(1, CAST(:contracts AS integer)) i) g"""),
                 {**p, "reps": reps, "customers": customers, "contracts": contracts})
    log(f"contracts {contracts:,}")
    # What Friday's (and earlier) sweeps left behind.
    inactive_due = ("c.last_interaction_at + CASE c.grade WHEN 'A' THEN interval '15 days' "
                    "WHEN 'B' THEN interval '30 days' WHEN 'C' THEN interval '60 days' "
                    "ELSE interval '30 days' END")
    conn.execute(text(f"""
        INSERT INTO rule_firing (rule_code, subject_id, subject_at, occurrence, fired_at)
        SELECT 'customer_inactive', c.id, c.last_interaction_at, DATE '{ONCE}', {inactive_due}
          FROM customer c WHERE c.owner IS NOT NULL AND {inactive_due} < :fired_before"""), p)
    conn.execute(text(f"""
        INSERT INTO followup_task (visit_id, kind, customer_id, owner, action, due_date,
                                   status, reminded_at, created_at)
        SELECT NULL, 'wakeup', c.id, c.owner, '唤醒客户', ({inactive_due})::date, 'open',
               {inactive_due}, {inactive_due}
          FROM customer c WHERE c.owner IS NOT NULL AND {inactive_due} < :fired_before"""), p)
    log("earlier wake-up tasks")
    conn.execute(text(f"""
        INSERT INTO rule_firing (rule_code, subject_id, subject_at, occurrence, fired_at)
        SELECT 'customer_zombie', c.id, c.last_order_at, DATE '{ONCE}',
               c.last_order_at + interval '90 days'
          FROM customer c WHERE c.owner IS NOT NULL
           AND c.last_order_at + interval '90 days' < :fired_before"""), p)
    conn.execute(text(f"""
        INSERT INTO rule_firing (rule_code, subject_id, subject_at, occurrence, fired_at)
        SELECT 'contract_stamp_24h', c.id, c.signed_at, DATE '{ONCE}',
               c.signed_at + interval '24 hours'
          FROM contract c WHERE c.stamped_at IS NULL
           AND c.signed_at + interval '24 hours' < :fired_before"""), p)
    conn.execute(text("""
        UPDATE contract SET risk_at = signed_at + interval '24 hours'
         WHERE stamped_at IS NULL AND signed_at + interval '24 hours' < :fired_before"""), p)
    log("earlier zombie and risk firings")
    # Friday's last sweep, and the weekly full one on Friday morning.
    conn.execute(text("""
        INSERT INTO rule_sweep (code, swept_at, full_at)
        VALUES ('customer_inactive', :swept, :full), ('customer_zombie', :swept, :full)"""),
                 {"swept": FIRED_BEFORE, "full": FRIDAY_FULL})


# -- the same work as bare SQL ---------------------------------------------------------------

OUTBOX_COLUMNS = ("dedupe_key, channel, recipient, payload, status, attempts, resend_check, "
                  "next_attempt_at, created_at")


def _text(expr: str) -> str:
    return f"json_build_object('msgtype', 'text', 'text', json_build_object('content', {expr}))"


def _key(code: str, occurrence: str) -> str:
    return (f"'rule:{code}:' || f.subject_id || ':' || extract(epoch from f.subject_at)::bigint"
            f" || ':' || '{occurrence}' || ':wecom:' || t.userid")


DIGEST_TEXT = _text("format(E'【团队周报】%s\\n新增客户：%s\\n拜访：%s（异常 %s）\\n逾期任务：%s"
                    "\\n僵尸客户：%s\\n风险单：%s', s.sup, s.nc, s.vi, s.fl, s.od, s.zo, s.ri)")

BARE: list[tuple[str, str]] = [
    ("contract_review_72h", f"""
        WITH fired AS (
          INSERT INTO rule_firing (rule_code, subject_id, subject_at, occurrence, fired_at)
          SELECT 'contract_review_72h', c.id, c.signed_at, DATE '{DAY}', :now FROM contract c
           WHERE c.status = 'signed' AND c.signed_at <= :now - interval '72 hours'
             AND NOT EXISTS (SELECT 1 FROM rule_firing x WHERE x.rule_code = 'contract_review_72h'
                 AND x.subject_id = c.id AND x.subject_at = c.signed_at
                 AND x.occurrence = DATE '{DAY}')
          ON CONFLICT DO NOTHING RETURNING subject_id, subject_at)
        INSERT INTO outbox_message ({OUTBOX_COLUMNS})
        SELECT 'rule:contract_review_72h:' || f.subject_id || ':'
                 || extract(epoch from f.subject_at)::bigint || ':' || '{DAY}' || ':dingtalk:'
                 || u.wecom_userid,
               'dingtalk_work', u.dingtalk_userid,
               {_text("format('【合同待审核】合同 %s（%s，金额 %s 元，业务员 %s）已签约 %s 小时仍未审核，请尽快处理。第 %s 次提醒 · %s', c.contract_no, cu.name, c.amount, r.name, floor(extract(epoch from :now - f.subject_at) / 3600), 1, '" + DAY + "')")},
               'pending', 0, false, :now, :now
          FROM fired f JOIN contract c ON c.id = f.subject_id
          JOIN customer cu ON cu.id = c.customer_id
          LEFT JOIN app_user r ON r.wecom_userid = c.owner
          JOIN app_user u ON u.finance_lead AND u.active
        ON CONFLICT (dedupe_key) DO NOTHING"""),
    ("contract_stamp_24h", f"""
        WITH fired AS (
          INSERT INTO rule_firing (rule_code, subject_id, subject_at, occurrence, fired_at)
          SELECT 'contract_stamp_24h', c.id, c.signed_at, DATE '{ONCE}', :now FROM contract c
           WHERE c.stamped_at IS NULL AND c.status <> 'draft'
             AND c.signed_at <= :now - interval '24 hours'
             AND NOT EXISTS (SELECT 1 FROM rule_firing x WHERE x.rule_code = 'contract_stamp_24h'
                 AND x.subject_id = c.id AND x.subject_at = c.signed_at
                 AND x.occurrence = DATE '{ONCE}')
          ON CONFLICT DO NOTHING RETURNING subject_id, subject_at),
        flagged AS (UPDATE contract c SET risk_at = :now FROM fired f
                     WHERE c.id = f.subject_id AND c.stamped_at IS NULL RETURNING c.id)
        INSERT INTO outbox_message ({OUTBOX_COLUMNS})
        SELECT {_key('contract_stamp_24h', ONCE)}, 'wecom_app', t.userid,
               {_text("format('【风险单】%s的合同 %s（%s）签约已超过 %s 小时仍未上传盖章页，已标记为风险单。%s', r.name, c.contract_no, cu.name, 24, '" + DAY + "')")},
               'pending', 0, false, :now, :now
          FROM fired f JOIN contract c ON c.id = f.subject_id
          JOIN customer cu ON cu.id = c.customer_id
          JOIN app_user r ON r.wecom_userid = c.owner
          CROSS JOIN LATERAL (VALUES (r.wecom_userid), (r.supervisor_userid)) t(userid)
         WHERE t.userid IS NOT NULL
        ON CONFLICT (dedupe_key) DO NOTHING"""),
    ("customer_inactive", """
        UPDATE customer SET last_interaction_at = created_at WHERE last_interaction_at IS NULL"""),
    ("customer_inactive", f"""
        WITH fired AS (
          INSERT INTO rule_firing (rule_code, subject_id, subject_at, occurrence, fired_at)
          SELECT 'customer_inactive', c.id, c.last_interaction_at, DATE '{ONCE}', :now
            FROM customer c
           WHERE c.owner IS NOT NULL
             AND ((c.grade = 'A' AND c.last_interaction_at <= :now - interval '15 days'
                   AND c.last_interaction_at > :since - interval '15 days')
               OR (c.grade = 'B' AND c.last_interaction_at <= :now - interval '30 days'
                   AND c.last_interaction_at > :since - interval '30 days')
               OR (c.grade = 'C' AND c.last_interaction_at <= :now - interval '60 days'
                   AND c.last_interaction_at > :since - interval '60 days')
               OR ((c.grade IS NULL OR c.grade NOT IN ('A', 'B', 'C'))
                   AND c.last_interaction_at <= :now - interval '30 days'
                   AND c.last_interaction_at > :since - interval '30 days'))
             AND NOT EXISTS (SELECT 1 FROM followup_task w WHERE w.customer_id = c.id
                 AND w.kind = 'wakeup' AND w.status = 'open')
             AND NOT EXISTS (SELECT 1 FROM rule_firing x WHERE x.rule_code = 'customer_inactive'
                 AND x.subject_id = c.id AND x.subject_at = c.last_interaction_at
                 AND x.occurrence = DATE '{ONCE}')
          ON CONFLICT DO NOTHING RETURNING subject_id, subject_at),
        tasks AS (
          INSERT INTO followup_task (visit_id, kind, customer_id, owner, action, due_date,
                                     status, reminded_at, created_at)
          SELECT NULL, 'wakeup', f.subject_id, c.owner,
                 format('唤醒客户（%s天未互动）', extract(day from :now - f.subject_at)),
                 DATE '{DAY}', 'open', :now, :now
            FROM fired f JOIN customer c ON c.id = f.subject_id
          ON CONFLICT DO NOTHING RETURNING id, customer_id),
        lines AS (
          SELECT f.subject_id, f.subject_at, k.id AS task_id, c.name, r.wecom_userid AS rep,
                 r.name AS rep_name, r.supervisor_userid AS sup,
                 extract(day from :now - f.subject_at) AS days
            FROM fired f JOIN tasks k ON k.customer_id = f.subject_id
            JOIN customer c ON c.id = f.subject_id
            JOIN app_user r ON r.wecom_userid = c.owner)
        INSERT INTO outbox_message ({OUTBOX_COLUMNS})
        SELECT 'rule:customer_inactive:' || l.subject_id || ':'
                 || extract(epoch from l.subject_at)::bigint || ':' || '{ONCE}' || ':wecom:'
                 || l.rep, 'wecom_app', l.rep,
               {_text("format('%s 已 %s 天没有拜访、沟通或订单，请联系客户 [任务 %s]', l.name, l.days, l.task_id)")},
               'pending', 0, false, :now, :now
          FROM lines l
        UNION ALL
        SELECT 'rule:customer_inactive:summary:' || min(l.subject_id) || ':' || l.sup, 'wecom_app',
               l.sup, {_text("format('【客户唤醒】%s 位客户长期没有拜访、沟通或订单：%s%s', count(*), chr(10), string_agg(format('· %s（%s，%s 天未互动）', l.name, l.rep_name, l.days), chr(10) ORDER BY l.subject_id))")},
               'pending', 0, false, :now, :now
          FROM lines l WHERE l.sup IS NOT NULL GROUP BY l.sup
        ON CONFLICT (dedupe_key) DO NOTHING"""),
    ("customer_zombie", f"""
        WITH fired AS (
          INSERT INTO rule_firing (rule_code, subject_id, subject_at, occurrence, fired_at)
          SELECT 'customer_zombie', c.id, c.last_order_at, DATE '{ONCE}', :now FROM customer c
           WHERE c.owner IS NOT NULL AND c.last_order_at <= :now - interval '90 days'
             AND c.last_order_at > :since - interval '90 days'
             AND NOT EXISTS (SELECT 1 FROM rule_firing x WHERE x.rule_code = 'customer_zombie'
                 AND x.subject_id = c.id AND x.subject_at = c.last_order_at
                 AND x.occurrence = DATE '{ONCE}')
          ON CONFLICT DO NOTHING RETURNING subject_id, subject_at)
        INSERT INTO outbox_message ({OUTBOX_COLUMNS})
        SELECT 'rule:customer_zombie:summary:' || min(f.subject_id) || ':' || t.userid,
               'wecom_app', t.userid,
               {_text("format('【僵尸客户】%s 位客户已 90 天以上没有成交：%s%s', count(*), chr(10), string_agg(format('· %s（%s，%s 天，最近一次下单 %s）', c.name, r.name, extract(day from :now - f.subject_at), (f.subject_at AT TIME ZONE 'Asia/Shanghai')::date), chr(10) ORDER BY f.subject_id))")},
               'pending', 0, false, :now, :now
          FROM fired f JOIN customer c ON c.id = f.subject_id
          JOIN app_user r ON r.wecom_userid = c.owner
          CROSS JOIN LATERAL (VALUES (r.wecom_userid), (r.supervisor_userid)) t(userid)
         WHERE t.userid IS NOT NULL
         GROUP BY t.userid
        ON CONFLICT (dedupe_key) DO NOTHING"""),
    ("supervisor_digest", f"""
        WITH fired AS (
          INSERT INTO rule_firing (rule_code, subject_id, subject_at, occurrence, fired_at)
          SELECT 'supervisor_digest', u.id, :week_start, DATE '{DAY}', :now FROM app_user u
           WHERE u.role = 'supervisor' AND u.active
          ON CONFLICT DO NOTHING RETURNING subject_id, subject_at),
        team AS (SELECT s.id AS sid, s.wecom_userid AS sup, m.wecom_userid AS member
                   FROM app_user s JOIN app_user m
                     ON m.supervisor_userid = s.wecom_userid OR m.wecom_userid = s.wecom_userid
                  WHERE s.id IN (SELECT subject_id FROM fired)),
        nc AS (SELECT owner, count(*) n FROM customer WHERE created_at >= :last_week
                  AND created_at < :week_start GROUP BY owner),
        vi AS (SELECT rep, count(*) n, count(*) FILTER (WHERE compliant = false) flagged
                 FROM visit WHERE at >= :last_week AND at < :week_start GROUP BY rep),
        od AS (SELECT owner, count(*) n FROM followup_task WHERE status = 'open'
                  AND due_date < DATE '{DAY}' GROUP BY owner),
        zo AS (SELECT owner, count(*) n FROM customer
                WHERE last_order_at <= :now - interval '90 days' GROUP BY owner),
        ri AS (SELECT owner, count(*) n FROM contract WHERE risk_at IS NOT NULL
                  AND stamped_at IS NULL GROUP BY owner),
        totals AS (SELECT t.sid, t.sup, sum(coalesce(nc.n, 0)) nc, sum(coalesce(vi.n, 0)) vi,
                          sum(coalesce(vi.flagged, 0)) fl, sum(coalesce(od.n, 0)) od,
                          sum(coalesce(zo.n, 0)) zo, sum(coalesce(ri.n, 0)) ri
                     FROM team t LEFT JOIN nc ON nc.owner = t.member
                     LEFT JOIN vi ON vi.rep = t.member LEFT JOIN od ON od.owner = t.member
                     LEFT JOIN zo ON zo.owner = t.member LEFT JOIN ri ON ri.owner = t.member
                    GROUP BY t.sid, t.sup)
        INSERT INTO outbox_message ({OUTBOX_COLUMNS})
        SELECT 'rule:supervisor_digest:' || f.subject_id || ':'
                 || extract(epoch from f.subject_at)::bigint || ':' || '{DAY}' || ':wecom:'
                 || s.sup,
               'wecom_app', s.sup,
               {DIGEST_TEXT},
               'pending', 0, false, :now, :now
          FROM fired f JOIN totals s ON s.sid = f.subject_id
        ON CONFLICT (dedupe_key) DO NOTHING"""),
]


def run_bare(engine: Any, *, full: bool) -> float:
    """The bare statements, timed and rolled back. ``full``: every customer (the weekly
    full sweep); otherwise from Friday's last sweep minus the margin, like the sweep."""
    from datetime import timedelta

    from sqlalchemy import text

    from models.rules.sql import SWEEP_MARGIN

    week_start = datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI).astimezone(UTC)
    since = (datetime(1900, 1, 1, tzinfo=UTC) if full else FIRED_BEFORE - SWEEP_MARGIN)
    params = {"now": NOW, "week_start": week_start, "last_week": week_start - timedelta(days=7),
              "since": since}
    started = time.perf_counter()
    with engine.connect() as conn:
        tx = conn.begin()
        for _code, sql in BARE:
            conn.execute(text(sql), params)
        elapsed = time.perf_counter() - started
        tx.rollback()
    return elapsed


def vacuum(engine: Any) -> None:
    from sqlalchemy import text

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=500)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    name = url.rsplit("/", 1)[-1].split("?")[0]
    if not url.startswith("postgres") or name in ("test", "postgres", ""):
        print("give DATABASE_URL of a PostgreSQL database this may WIPE (not test/postgres)",
              file=sys.stderr)
        return 2

    from sqlalchemy import text

    from migrations import upgrade
    from zhongshu.db import get_engine

    engine = get_engine()
    log(f"resetting {name}")
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade()
    started = time.perf_counter()
    with engine.begin() as conn:
        generate(conn, args.customers, args.contracts, args.reps)
    log(f"generated in {time.perf_counter() - started:.0f} s; vacuum analyze")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))

    run_bare(engine, full=False)  # warm the cache
    bare = run_bare(engine, full=False)
    log(f"bare SQL (incremental): {bare:.2f} s")
    vacuum(engine)  # the rolled-back rows, so both see one state

    from sqlalchemy import text as sql_text

    import cards.links  # noqa: F401
    import jobs.visits  # noqa: F401 - the scheduler process has these loaded already
    from jobs.rules import sweep_rules

    started = time.perf_counter()
    results = sweep_rules(NOW)
    sweep = time.perf_counter() - started
    log(f"sweep_rules (incremental): {sweep:.2f} s  {results}")
    with engine.connect() as conn:
        outbox = conn.execute(sql_text("SELECT count(*) FROM outbox_message")).scalar()
        tasks = conn.execute(sql_text("SELECT count(*) FROM followup_task "
                                      "WHERE created_at = :now"), {"now": NOW}).scalar()
    # The weekly full sweep (and the first after a rule change), on the state just left:
    # it looks at every overdue customer again, and finds everything already fired.
    vacuum(engine)
    bare_full = run_bare(engine, full=True)
    log(f"bare SQL (full): {bare_full:.2f} s")
    with engine.begin() as conn:
        conn.execute(sql_text("DELETE FROM rule_sweep"))
    started = time.perf_counter()
    results_full = sweep_rules(NOW)
    sweep_full = time.perf_counter() - started
    log(f"sweep_rules (full): {sweep_full:.2f} s  {results_full}")
    print()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.system()} {platform.release()}")
    print(f"data: {args.customers:,} customers, {args.contracts:,} contracts, "
          f"{args.reps} reps")
    print(f"messages queued: {outbox:,}; new wake-up tasks: {tasks:,}")
    print(f"incremental (the Monday 09:00 peak): sweep {sweep:.2f} s | bare SQL {bare:.2f} s"
          f" | ratio {sweep / bare:.2f}")
    print(f"full (weekly, or after a rule change): sweep {sweep_full:.2f} s | bare SQL "
          f"{bare_full:.2f} s | ratio {sweep_full / bare_full:.2f}")
    ok = sweep <= 10 and sweep / bare <= 2
    print("targets for the incremental sweep (≤ 10 s, ratio ≤ 2):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
