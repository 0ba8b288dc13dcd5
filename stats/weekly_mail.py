"""The weekly report by e-mail, to the managers who asked for it (``weekly_report`` and an
``email`` on their account), when SMTP is configured (``SMTP_HOST``).

Each manager gets the last complete week's report once: a row in
``stats_weekly_report_mails`` says it went, so running it again (by hand, or the scheduler
after a restart) sends nothing new. The row is written in a savepoint before the mail goes
and taken back if sending fails, so the next run tries that manager again; a run that dies
after sending and before its commit would send that mail again. Two runs at once send each
mail once: the second waits on the first's row and then skips it.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from core.csvfiles import csv_text
from core.db import db
from core.localtime import district_zone, local_date
from identity.models import Staff
from stats import weekly
from stats.models import WeeklyReportMail

log = logging.getLogger(__name__)

#: Seconds to wait for the mail server.
SMTP_TIMEOUT = 30


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send_weekly_reports(now: datetime) -> int:
    """Mail the last complete week's report to every opted-in manager not yet sent it;
    how many went. Nothing is sent (0) while ``SMTP_HOST`` is unset. Flushes; the caller
    commits."""
    if not smtp_configured():
        return 0
    tz = district_zone()
    week = weekly.last_complete_week(now, tz)
    sent = 0
    for manager in _subscribers(week):
        savepoint = db.session.begin_nested()
        if not _claim(manager, week, now):
            savepoint.commit()
            continue  # another run got there first
        report = weekly.report(week, manager.center_id, tz, now)
        try:
            _send(manager.email or "", _message(report, local_date(now, tz)))
        except (OSError, smtplib.SMTPException):
            log.exception("weekly report to staff %s not sent", manager.id)
            savepoint.rollback()
            continue
        savepoint.commit()
        sent += 1
    return sent


def _subscribers(week: weekly.Week) -> list[Staff]:
    """Active managers and admins who asked for the report and have not had this week's."""
    already = select(WeeklyReportMail.staff_id).where(WeeklyReportMail.week_start == week.monday)
    stmt = (
        select(Staff)
        .where(
            Staff.role.in_(("manager", "admin")),
            Staff.active.is_(True),
            Staff.weekly_report.is_(True),
            Staff.email.is_not(None),
            Staff.id.not_in(already),
        )
        .order_by(Staff.id)
    )
    return list(db.session.scalars(stmt))


def _claim(manager: Staff, week: weekly.Week, now: datetime) -> bool:
    """Record the mail as sent; False when a row for it already stands (a concurrent run
    that committed first)."""
    stmt = (
        insert(WeeklyReportMail)
        .values(staff_id=manager.id, week_start=week.monday, email=manager.email, sent_at=now)
        .on_conflict_do_nothing()
        .returning(WeeklyReportMail.staff_id)
    )
    return db.session.execute(stmt).first() is not None


def _message(report: dict[str, Any], today: Any) -> EmailMessage:
    """Text for any mail reader, the printable page as HTML, the CSV attached."""
    config = current_app.config
    table = weekly.table(report)
    message = EmailMessage()
    message["Subject"] = weekly.title(report)
    message["From"] = config["SMTP_FROM"] or config["SMTP_USERNAME"]
    lines = [weekly.title(report), f"{report['period']['from']} ~ {report['period']['to']}", ""]
    lines += [
        f"{row['label']}: {row['value']} ({weekly.as_change(row['change_vs_previous'])})"
        for row in report["figures"]
    ]
    message.set_content("\n".join(lines))
    message.add_alternative(weekly.page(report, today), subtype="html")
    csv = csv_text(table.header, table.rows, tz=district_zone())
    message.add_attachment(
        csv.encode("utf-8"), maintype="text", subtype="csv", filename=f"weekly-{report['week']}.csv"
    )
    return message


def _send(to: str, message: EmailMessage) -> None:
    config = current_app.config
    message["To"] = to
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(message)
