"""The personal-data audit trail (admin, as ``GET /api/v1/audit``): who read or changed which
resident's data or staff account, and when; newest first, a page at a time, or all of it as
CSV (a download the trail itself records)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from console.admin.area import bp, query_args
from console.plumbing import roles_required
from core.auth import Role, current_principal
from core.csvfiles import csv_response, local_time
from core.localtime import district_zone
from identity import audit, staff_accounts
from identity.staff_schemas import (
    AuditQueryArgsSchema,
)

#: Events on one page.
PAGE_SIZE = 50


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_page() -> Any:
    filters = query_args(AuditQueryArgsSchema())
    filters["from"] = filters.pop("from_")
    actor, tz = current_principal(), district_zone()
    if filters["format"] == "csv":
        return csv_response(audit.export_audit(actor, filters, tz), "audit.csv")
    found = audit.audit_page(filters, PAGE_SIZE, filters["cursor"], tz)
    shown = {key: value for key, value in request.args.items() if key not in ("cursor", "format")}
    return render_template(
        "console/admin/audit.html",
        events=found["items"],
        next_cursor=found["next_cursor"],
        filters=filters,
        shown=shown,
        staff=staff_accounts.list_staff(actor),
        tz=tz,
        local_time=local_time,
    )
