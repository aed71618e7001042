"""The ``zhongshu`` command line.

Each command imports what it runs inside its own body (lazy on purpose): ``zhongshu --help``,
the worker and the scheduler start without loading the web app, the demo or the importers,
and ``zhongshu db upgrade`` needs nothing beyond the migrations."""

from __future__ import annotations

import sys

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """中枢 Zhongshu — sales-management hub inside WeCom and DingTalk."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations to DATABASE_URL."""
    from migrations import upgrade

    upgrade(revision)
    click.echo(f"database at {revision}")


@main.group()
def users() -> None:
    """People and roles."""


@users.command("add")
@click.option("--wecom-userid", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True,
              type=click.Choice(["rep", "supervisor", "director", "finance", "admin",
                                 "store_manager", "hq"]))
@click.option("--supervisor", "supervisor", default=None, help="the supervisor's WeCom userid")
@click.option("--region", default=None)
@click.option("--dingtalk-userid", default=None)
def users_add(wecom_userid: str, name: str, role: str, supervisor: str | None,
              region: str | None, dingtalk_userid: str | None) -> None:
    """Add or update a user."""
    from models.org import user as user_model
    from zhongshu.db import session_scope

    with session_scope() as session:
        if supervisor and user_model.by_platform_id(session, "wecom", supervisor) is None:
            raise click.ClickException(f"supervisor {supervisor!r} is not a known user")
        user = user_model.upsert(session, wecom_userid=wecom_userid, name=name, role=role,
                                 supervisor_userid=supervisor, region=region,
                                 dingtalk_userid=dingtalk_userid)
        click.echo(f"{user.wecom_userid} {user.name} {user.role}")


@main.group("import")
def import_group() -> None:
    """Import .xlsx/.csv files (upsert; exit 1 if any row was refused)."""


def _run_import(kind: str, file: str, report: str | None, as_json: bool,
                overwrite: bool = False) -> None:
    """Shared by the import commands: run, print the row-level report, set the exit code
    (0 all rows imported, 1 some rows refused, 2 the file could not be imported)."""
    import time
    from pathlib import Path

    from models import messages as M
    from models.imports import importer as importing
    from zhongshu.db import session_scope

    started = time.monotonic()
    last = [0]

    def progress(rows: int) -> None:
        # A line every ~10k rows on stderr: visible in a terminal and in job logs alike.
        if rows - last[0] >= 10_000:
            last[0] = rows
            rate = int(rows / max(time.monotonic() - started, 1e-6))
            click.echo(M.IMPORT_PROGRESS.format(rows=rows, rate=rate), err=True)

    report_path = Path(report) if report else None
    try:
        with session_scope() as session:
            if kind == "customers":
                result = importing.import_customers(session, Path(file), report_path=report_path,
                                                    progress=progress, overwrite=overwrite)
            else:
                result = importing.import_orders(session, Path(file), report_path=report_path,
                                                 progress=progress)
    except importing.ImportFileError as error:
        click.echo(error.message, err=True)
        sys.exit(2)
    if as_json:
        click.echo(importing.to_json(result))
    else:
        for line in importing.summary_lines(result):
            click.echo(line)
    sys.exit(0 if result.ok else 1)


_FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False))
_REPORT = click.option("--report", default=None, type=click.Path(dir_okay=False),
                       help="where to write the .xlsx error report "
                            "(default: next to FILE, named *_错误报告.xlsx)")
_JSON = click.option("--json", "as_json", is_flag=True, help="print the result as JSON")


@import_group.command("customers")
@_FILE
@_REPORT
@_JSON
@click.option("--overwrite", is_flag=True,
              help="replace stored customers' non-empty fields with the sheet's values "
                   "(default: fill in empty fields only and list the differences)")
def import_customers(file: str, report: str | None, as_json: bool, overwrite: bool) -> None:
    """Customers: 客户名称, 电话 [, 联系人, 行业, 初步意向, 等级, 区域, 省份, 城市, 地址,
    纬度, 经度, 坐标系, 负责人]; new phones are added, stored customers get their empty
    fields filled in (or overwritten with --overwrite)."""
    _run_import("customers", file, report, as_json, overwrite)


@import_group.command("orders")
@_FILE
@_REPORT
@_JSON
def import_orders(file: str, report: str | None, as_json: bool) -> None:
    """Orders: 订单编号, 客户名称 or 电话, 下单时间, 金额 [, 产品型号, 数量, 负责人];
    one row per order line; upsert by order number."""
    _run_import("orders", file, report, as_json)


@import_group.command("contracts")
@_FILE
@_REPORT
@_JSON
def import_contracts(file: str, report: str | None, as_json: bool) -> None:
    """Contracts: 合同编号, 客户名称 or 电话, 负责人, 金额, 状态, 签约时间 [, 盖章页,
    审核时间, 回款金额]; upsert by contract number. Finance is pushed only the contracts
    signed in the last 72 hours (see handlers/contracts/import_contracts.py)."""
    from pathlib import Path

    from handlers.contracts import import_contracts as ic
    from models import messages as M
    from models.imports import importer as importing
    from zhongshu.db import session_scope

    try:
        with session_scope() as session:
            result, pushed = ic.import_contracts(
                session, Path(file), report_path=Path(report) if report else None)
    except importing.ImportFileError as error:
        click.echo(error.message, err=True)
        sys.exit(2)
    if as_json:
        click.echo(importing.to_json(result))
    else:
        click.echo(ic.summary(result, pushed))
        for refusal in result.refused:
            click.echo(M.IMPORT_REFUSED_ROW.format(row=refusal.row, reason=refusal.reason))
        if result.report_path is not None:
            click.echo(M.IMPORT_REPORT_WRITTEN.format(path=result.report_path))
    sys.exit(0 if result.ok else 1)


@main.group()
def visits() -> None:
    """Visit check-ins and their evidence."""


@visits.command("audit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_path", default=None, type=click.Path(dir_okay=False),
              help="where to write the results (default: stdout)")
def visits_audit(file: str, out_path: str | None) -> None:
    """Run the visit evidence checks over a JSONL file of visits, in time order, each
    visit checked against the ones before it. Writes one result line per visit (in time
    order); photo paths are relative to FILE's folder. Summary on stderr; exit 1 if any
    line was malformed (those lines are reported and skipped)."""
    import time
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from models.visits import audit as visit_audit
    from models.visits import evidence, thresholds
    from zhongshu import clock
    from zhongshu.db import session_scope

    try:
        with session_scope() as session:
            rules = thresholds.load_rules(session)
    except SQLAlchemyError:
        # An audit of exported history must not need the service's database.
        click.echo(visit_audit.AUDIT_DEFAULT_RULES, err=True)
        rules = evidence.EvidenceRules()

    last = [time.monotonic()]

    def progress(done: int, total: int) -> None:
        # Photos make big files slow: a line every ~5 s on stderr, and at the end.
        now = time.monotonic()
        if now - last[0] >= 5 or (done == total and total >= 1000):
            last[0] = now
            click.echo(visit_audit.AUDIT_PROGRESS.format(done=done, total=total), err=True)

    def report(message: str) -> None:
        click.echo(message, err=True)

    tz = clock.business_tz()
    with click.open_file(out_path or "-", "w", encoding="utf-8") as out:
        summary = visit_audit.audit(Path(file), out, rules=rules, business_tz=tz,
                                    report_error=report, progress=progress)
    for line in summary.lines():
        click.echo(line, err=True)
    sys.exit(1 if summary.errors else 0)



@main.group()
def dashboard() -> None:
    """Sales health dashboard (C9, C10)."""


@dashboard.command("refresh")
@click.option("--all", "all_weeks", is_flag=True,
              help="rebuild every week (after importing history), not only the recent ones")
def dashboard_refresh(all_weeks: bool) -> None:
    """Rebuild the dashboard roll-ups now (the scheduler does the recent weeks itself)."""

    from analytics import rollup
    from models.base import utcnow
    from zhongshu import clock
    from zhongshu.db import session_scope

    tz = clock.business_tz()
    with session_scope() as session:
        counts = rollup.refresh(session, now=utcnow(), tz=tz, all_weeks=all_weeks,
                                progress=lambda m: click.echo(m, err=True))
    click.echo(f"dash_week {counts['weeks']} rows, dash_customer {counts['customers']} rows, "
               f"dash_month {counts['months']} rows")

@main.command()
@click.option("--burst", is_flag=True, help="exit once the queues are empty")
def worker(burst: bool) -> None:
    """RQ worker on all of the service's queues."""
    from zhongshu.settings import serving_settings

    serving_settings()  # outside the demo: refuse unsafe settings (exit 2)
    import importlib
    import logging
    import pkgutil
    import time

    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from rq import SimpleWorker, Worker

    import handlers  # noqa: F401
    import jobs
    from bot import channels  # noqa: F401
    from bot.dingtalk import client as _dingtalk_client  # noqa: F401
    from bot.wecom import client as _wecom_client  # noqa: F401
    from zhongshu import logging_conf
    from zhongshu.queues import ALL_QUEUES, get_queue, get_redis
    from zhongshu.settings import get_settings

    logging_conf.configure()  # JSON lines with the job id when ZS_LOG_JSON is set
    # Import every job's code once here: each job runs in a forked child, which then
    # starts warm instead of spending ~2 s importing SQLAlchemy and the handlers.
    for module in pkgutil.iter_modules(jobs.__path__):
        importlib.import_module(f"jobs.{module.name}")

    queues = [get_queue(name) for name in ALL_QUEUES]
    worker_class = SimpleWorker if get_settings().worker_class == "simple" else Worker
    log = logging.getLogger(__name__)
    while True:
        rq_worker = worker_class(queues, connection=get_redis())
        try:
            rq_worker.work(burst=burst, with_scheduler=True)
        except (RedisConnectionError, RedisTimeoutError):
            # RQ retries a lost Redis while idle but not while it watches a running job:
            # start a fresh worker rather than exit (the job's outbox lease covers it).
            log.exception("worker lost Redis; restarting in 2 s")
        else:
            # RQ also leaves its loop, logging but not raising, on a Redis timeout or any
            # unhandled error (e.g. Redis restarting mid-dequeue). Only a requested stop
            # (SIGTERM) or a burst ends the command; anything else starts a fresh worker.
            # A SIGTERM/SIGINT is recorded as _shutdown_requested_date; _stop_requested is
            # set only when it arrives in the middle of a job (an idle worker leaves its
            # loop at once), so both are read.
            if burst or rq_worker._stop_requested \
                    or getattr(rq_worker, "_shutdown_requested_date", None) is not None:
                return
            log.warning("worker left its loop without a stop request; restarting in 2 s")
        time.sleep(2)


@main.command()
def scheduler() -> None:
    """Periodic sweeps (run exactly one)."""
    from zhongshu.settings import serving_settings

    serving_settings()  # outside the demo: refuse unsafe settings (exit 2)
    from jobs.schedule import run_forever
    from zhongshu import logging_conf

    logging_conf.configure()
    run_forever()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def web(host: str, port: int) -> None:
    """Development web server (production: gunicorn zhongshu.wsgi:app)."""
    from zhongshu.settings import serving_settings

    serving_settings()  # outside the demo: refuse unsafe settings (exit 2)
    from zhongshu.app import create_app

    create_app().run(host=host, port=port, threaded=True)


@main.command("wecom-menu")
def wecom_menu() -> None:
    """Set the WeCom app's menu (workbench): 报备客户 opens the form directly."""
    from bot.wecom.menu import push_app_menu

    push_app_menu()
    click.echo("企业微信应用菜单已设置：报备客户（直接打开表单）、拜访签到、更多（我的客户、帮助）")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
@click.option("--service-url", default=None, help="where the service listens (ZS_BASE_URL)")
@click.option("--demo-org/--small-org", default=True, show_default=True,
              help="serve the demo company's directory, or only six people")
@click.option("--contacts-per-user", default=0, show_default=True, type=int,
              help="generated WeChat customers (客户联系) for every WeCom user")
def emulator(host: str, port: int, service_url: str | None, demo_org: bool,
             contacts_per_user: int) -> None:
    """Local WeCom + DingTalk emulator with a phone view of each user's chat."""
    from bot.emulator import serve
    from zhongshu.demo.data import demo_locations
    from zhongshu.demo.run import demo_directory
    from zhongshu.settings import get_settings

    serve(host=host, port=port, service_url=service_url or get_settings().base_url,
          directory=demo_directory() if demo_org else None,
          locations=demo_locations() if demo_org else None,
          contacts_per_user=max(0, contacts_per_user))


@main.command()
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--emulator-port", default=5001, show_default=True, type=int)
@click.option("--no-browser-hint", is_flag=True, hidden=True)
def demo(port: int, emulator_port: int, no_browser_hint: bool) -> None:
    """Migrate, load demo data, start web + worker + scheduler + emulator."""
    from zhongshu.demo.run import run_demo

    sys.exit(run_demo(port=port, emulator_port=emulator_port))


@main.group()
def rules() -> None:
    """Message-center rules (C7)."""


@rules.command("run")
@click.option("--at", "at", default=None,
              help="ISO 8601 moment to run the rules as of (default: now); naive = business time")
def rules_run(at: str | None) -> None:
    """Run every rule as of that moment and queue what is due (exactly once)."""
    from datetime import UTC, datetime

    from jobs.rules import run_all
    from zhongshu import clock

    if at is None:
        now = datetime.now(UTC)
    else:
        try:
            now = datetime.fromisoformat(at)
        except ValueError:
            raise click.BadParameter(f"not an ISO 8601 time: {at}", param_hint="--at") from None
        if now.tzinfo is None:
            now = now.replace(tzinfo=clock.business_tz())
    for code, count in run_all(now.astimezone(UTC)).items():
        click.echo(f"{code}\t{count}")


@main.group()
def contacts() -> None:
    """The reps' WeChat customers (WeCom 客户联系)."""


@contacts.command("sync")
@click.option("--user", "users", multiple=True, help="only this WeCom userid (repeatable)")
def contacts_sync(users: tuple[str, ...]) -> None:
    """Pull the reps' external contacts from WeCom into customers (idempotent, resumable)."""
    from handlers.contacts import sync

    seen = [0]

    def advance(count: int) -> None:
        # WeCom does not say how many contacts there are: count them as the pages come.
        seen[0] += count
        click.echo(f"\r同步微信客户：已处理 {seen[0]} 位", nl=False, err=True)

    report = sync.sync(list(users) or None, progress=advance)
    click.echo("", err=True)
    for key, value in report.as_dict().items():
        if key != "errors":
            click.echo(f"{key}\t{value}")
    for error in report.errors:
        click.echo(f"错误\t{error}", err=True)
    if report.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
