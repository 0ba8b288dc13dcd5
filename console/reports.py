"""The weekly report in the console (``/console/reports/weekly``): a week picker, the report's
table, a print button, the CSV download, and the manager's own choice to get it by e-mail.

The figures are the API's (``GET /api/v1/stats/weekly``): the same service function, the same
scope rule (a center's manager sees their own center), the same CSV.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from console.plumbing import console_blueprint, form_args, roles_required
from core.auth import current_principal
from core.db import prepare_report_transaction, utcnow
from core.exports import csv_download
from core.localtime import district_today, district_zone
from identity import staff_accounts
from identity.service import list_centers
from identity.staff_schemas import OwnAccountUpdateSchema
from stats import service, weekly
from stats.schemas import WeeklyQueryArgsSchema
from stats.weekly_mail import smtp_configured

MANAGERS = ("manager", "admin")
bp = console_blueprint("reports", "/reports")
bp.before_request(prepare_report_transaction)


def _report() -> tuple[dict[str, Any], dict[str, str]]:
    """The report the query asks for (``week``, ``center_id``) and that query, as links keep
    it; the last complete week by default."""
    given = {k: v for k, v in request.args.items() if k in ("week", "center_id") and v.strip()}
    args = form_args(WeeklyQueryArgsSchema(), given)
    principal = current_principal()
    center_id = service.scope_for(principal, args["center_id"])
    tz, now = district_zone(), utcnow()
    week = args["week"] or weekly.last_complete_week(now, tz)
    query = {"week": str(week)}
    if center_id is not None and principal.is_district_wide:
        query["center_id"] = str(center_id)
    return weekly.report(week, center_id, tz, now), query


@bp.get("/weekly")
@roles_required(*MANAGERS)
def weekly_report() -> str:
    report, query = _report()
    principal = current_principal()
    return render_template(
        "console/reports/weekly.html",
        report=report,
        query=query,
        title=weekly.title(report),
        weekly_change=weekly.as_change,
        district_wide=principal.is_district_wide,
        centers=list_centers() if principal.is_district_wide else [],
        printed_on=district_today(),
        account=staff_accounts.get_staff(principal.id),
        mail_configured=smtp_configured(),
    )


@bp.get("/weekly.csv")
@roles_required(*MANAGERS)
def weekly_download() -> Response:
    report, _ = _report()
    return csv_download(weekly.table(report), f"weekly-{report['week']}.csv", district_zone())


@bp.post("/weekly/mail")
@roles_required(*MANAGERS)
def weekly_mail() -> Response:
    """The manager's own e-mail, and whether the report is mailed to them each week."""
    data = {
        "email": request.form.get("email", "").strip() or None,
        "weekly_report": request.form.get("weekly_report") == "true",
    }
    changes = form_args(OwnAccountUpdateSchema(), data)
    staff_accounts.update_own_account(current_principal(), changes)
    week = request.form.get("week", "")
    return redirect(url_for(".weekly_report", **({"week": week} if week else {})), 303)
