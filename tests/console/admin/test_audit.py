"""The personal-data audit log (admin only): filtered by staff, resident, action and days,
newest first, paged, and downloaded as formula-safe CSV (the download itself recorded)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from flask import Flask

from tests.consoles import log_in
from tests.factories import Account, Factory
from tests.identity.test_audit_trail import recorded


def _shown(html: str, *ids: int) -> list[int]:
    """The ids among ``ids`` the page shows, in the order it shows them."""
    return sorted(
        (i for i in ids if f'data-testid="audit-{i}"' in html),
        key=lambda i: html.index(f'data-testid="audit-{i}"'),
    )


def test_the_audit_log_filters_by_staff_resident_action_and_days_newest_first(
    app: Flask, make: Factory, admin: Account, desk: Account, manager: Account
) -> None:
    one, two = make.resident(desk.center_id).id, make.resident(desk.center_id).id
    read_one = recorded(app, desk, "resident.read", one, at=datetime(2026, 3, 1, 2, tzinfo=UTC))
    read_two = recorded(app, desk, "resident.read", two, at=datetime(2026, 3, 2, 2, tzinfo=UTC))
    searched = recorded(
        app, manager, "resident.search", None, "q=陈*", at=datetime(2026, 3, 3, 2, tzinfo=UTC)
    )
    ids = (read_one, read_two, searched)
    console = log_in(app, admin)

    def shown(query: str) -> list[int]:
        return _shown(console.get(f"/console/admin/audit?{query}").get_data(as_text=True), *ids)

    assert shown("") == [searched, read_two, read_one]
    assert shown(f"actor_id={desk.id}") == [read_two, read_one]
    assert shown(f"resident_id={one}") == [read_one]
    assert shown("action=resident.search") == [searched]
    assert shown("action=resident.") == [searched, read_two, read_one]
    assert shown("from=2026-03-02&to=2026-03-02") == [read_two]
    assert shown("from=2026-03-02") == [searched, read_two]


def test_the_audit_log_pages_older_events(app: Flask, admin: Account, desk: Account) -> None:
    ids = [recorded(app, desk, "resident.search", None, f"q={n}") for n in range(55)]
    console = log_in(app, admin)

    first = console.get("/console/admin/audit?action=resident.search").get_data(as_text=True)
    assert _shown(first, *ids) == ids[::-1][:50]
    older = first.split('data-testid="audit-older" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "action=resident.search" in older

    second = console.get(older).get_data(as_text=True)
    assert _shown(second, *ids) == ids[::-1][50:]
    assert 'data-testid="audit-older"' not in second


def test_a_bad_filter_is_refused_in_words(app: Flask, admin: Account) -> None:
    response = log_in(app, admin).get("/console/admin/audit?resident_id=abc")

    assert response.status_code == 422
    assert 'data-code="validation_error"' in response.get_data(as_text=True)


def test_the_audit_log_downloads_as_formula_safe_csv_and_the_download_is_recorded(
    app: Flask, admin: Account, desk: Account
) -> None:
    resident_id = Factory(app).resident(desk.center_id).id
    recorded(app, desk, "resident.read", resident_id, '=HYPERLINK("http://x")')
    console = log_in(app, admin)

    response = console.get(f"/console/admin/audit?format=csv&resident_id={resident_id}")

    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:6] == ["编号", "时间", "操作者类型", "操作者编号", "操作者", "操作"]
    assert len(rows) == 2
    assert rows[1][2] == "工作人员" and rows[1][5] == "resident.read"
    assert rows[1][6] == str(resident_id)
    assert rows[1][8] == '\'=HYPERLINK("http://x")'
    exported = console.get("/console/admin/audit?action=audit.export").get_data(as_text=True)
    assert f"resident_id={resident_id}" in exported
