"""The imports page: a file is checked first (its problems by row and column, nothing
written), the check is imported without the file again, and its progress is followed."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from console.imports import KIND_WORDS, STATUS_WORDS
from core.db import db
from events.models import Checkin
from imports import runner
from tests.console.imports.conftest import SIGN_INS, batch_id, check, checked, imported
from tests.consoles import Console, html, log_in, result_code, text_of
from tests.factories import Account, Factory
from tests.imports.conftest import csv_bytes


def checkins(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Checkin)) or 0)


def test_a_check_shows_each_problem_and_what_would_be_made_and_writes_nothing(
    app: Flask, manager: Account
) -> None:
    console = log_in(app, manager)

    response = check(console, csv_bytes(SIGN_INS))

    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "imports-changed"
    assert text_of(response, "figure-rows") == "3"
    assert text_of(response, "figure-created") == "2"
    assert text_of(response, "figure-invalid") == "1"
    problem = text_of(response, "problem-4")
    assert "活动类型" in problem and "未知的活动类型" in problem, problem
    assert 'data-testid="confirm"' in html(response)
    assert checkins(app) == 0


def test_confirming_imports_the_checked_rows_and_the_progress_reaches_done(
    app: Flask, manager: Account
) -> None:
    console = log_in(app, manager)
    check_id = checked(console)

    confirmed = console.post(f"/console/imports/{check_id}/confirm")

    assert confirmed.status_code == 200, html(confirmed)
    real_id = batch_id(confirmed)
    assert real_id != check_id
    # The answer was drawn before the rows were applied: it polls for its progress.
    assert 'data-testid="progress"' in html(confirmed)
    progress = console.get(f"/console/imports/{real_id}/progress", headers={"HX-Request": "true"})
    assert progress.headers["HX-Retarget"] == f"#batch-{real_id}"
    assert 'data-status="done"' in html(progress)
    assert text_of(progress, "figure-created") == "2"
    assert 'data-testid="undo"' in html(progress)
    assert checkins(app) == 2
    # The check cannot be imported twice.
    again = console.post(f"/console/imports/{check_id}/confirm")
    assert (again.status_code, result_code(again)) == (409, "import_expired")
    assert again.headers["HX-Retarget"] == f"#batch-result-{check_id}"


def test_a_retried_confirm_replays_the_first_answer(app: Flask, manager: Account) -> None:
    """The Wi-Fi dropped the answer and the clerk pressed again: the button's key is the
    same, so the rows are imported once and the page shows the batch it made."""
    console = log_in(app, manager)
    checked_page = check(console, csv_bytes(SIGN_INS))

    first, again = confirm_twice(console, checked_page, htmx=True)

    assert (first.status_code, again.status_code) == (200, 200), html(again)
    assert batch_id(again) == batch_id(first) != batch_id(checked_page)
    assert again.headers["Idempotent-Replayed"] == "true"
    # The list below reloads on the replay as on the first answer.
    assert again.headers["HX-Trigger"] == first.headers["HX-Trigger"] == "imports-changed"
    assert checkins(app) == 2


def test_a_retried_confirm_without_htmx_leads_to_the_same_batch(
    app: Flask, manager: Account
) -> None:
    console = log_in(app, manager)
    checked_page = check(console, csv_bytes(SIGN_INS))

    first, again = confirm_twice(console, checked_page, htmx=False)

    assert (first.status_code, again.status_code) == (303, 303)
    assert again.headers["Location"] == first.headers["Location"]
    assert "/console/imports/" in again.headers["Location"]
    assert checkins(app) == 2


def confirm_twice(
    console: Console, checked_page: TestResponse, *, htmx: bool
) -> tuple[TestResponse, TestResponse]:
    """The confirm button pressed, and pressed again with the same key (a retry)."""
    key = idempotency_key(checked_page, "confirm")
    first, again = (
        console.post(
            f"/console/imports/{batch_id(checked_page)}/confirm",
            headers={"Idempotency-Key": key},
            htmx=htmx,
        )
        for _ in range(2)
    )
    return first, again


def idempotency_key(response: TestResponse, testid: str) -> str:
    """The key the button ``testid`` sends (``once()`` in console/_forms.html)."""
    button = re.search(rf'<button[^>]*data-testid="{testid}"[^>]*>', html(response))
    assert button is not None, html(response)
    found = re.search(r"hx-headers='([^']*)'", button.group(0))
    assert found is not None, button.group(0)
    return str(json.loads(found.group(1))["Idempotency-Key"])


def test_the_progress_bar_asks_again_until_the_batch_has_finished(
    app: Flask, manager: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    console = log_in(app, manager)
    monkeypatch.setattr(runner, "launch", lambda batch_id, actor: None)  # applied below
    real_id = batch_id(console.post(f"/console/imports/{checked(console)}/confirm"))
    htmx = {"HX-Request": "true"}

    running = console.get(f"/console/imports/{real_id}/progress", headers=htmx)
    runner.run(app, real_id, manager.principal)
    finished = console.get(f"/console/imports/{real_id}/progress", headers=htmx)

    assert running.status_code == 200
    assert "HX-Retarget" not in running.headers
    assert 'data-processed="0"' in html(running) and 'hx-trigger="load delay:1s"' in html(running)
    assert finished.headers["HX-Retarget"] == f"#batch-{real_id}"
    assert finished.headers["HX-Trigger"] == "imports-changed"
    assert 'data-status="done"' in html(finished) and 'data-testid="progress"' not in html(finished)


def test_without_htmx_each_step_lands_on_the_batchs_page(app: Flask, manager: Account) -> None:
    console = log_in(app, manager)

    sent = check(console, csv_bytes(SIGN_INS), htmx=False)
    check_id = int(sent.headers["Location"].rsplit("/", 1)[1])
    confirmed = console.post(f"/console/imports/{check_id}/confirm", htmx=False)
    page = console.get(confirmed.headers["Location"])

    assert (sent.status_code, confirmed.status_code) == (303, 303)
    assert page.status_code == 200
    assert 'data-status="done"' in html(page)


def test_a_file_that_cannot_be_read_is_refused_under_the_form(app: Flask, manager: Account) -> None:
    console = log_in(app, manager)

    no_columns = check(console, csv_bytes([["名字", "电话号"], ["黄秀英", "13812341234"]]))
    not_a_sheet = check(console, b"%PDF-1.4", name="scan.pdf")
    no_file = console.post("/console/imports", {"kind": "attendance"})
    app.config["MAX_IMPORT_BYTES"] = 1000
    too_big = check(console, csv_bytes(SIGN_INS * 2000))

    assert (no_columns.status_code, result_code(no_columns)) == (422, "missing_columns")
    assert no_columns.headers["HX-Retarget"] == "#import-result"
    assert "日期" in text_of(no_columns, "result")
    assert (not_a_sheet.status_code, result_code(not_a_sheet)) == (415, "unsupported_file")
    assert (no_file.status_code, result_code(no_file)) == (422, "validation_error")
    assert (too_big.status_code, result_code(too_big)) == (413, "payload_too_large")


def test_all_or_nothing_offers_no_import_while_a_row_has_a_problem(
    app: Flask, manager: Account
) -> None:
    console = log_in(app, manager)

    response = check(console, csv_bytes(SIGN_INS), all_or_nothing="true")
    refused = console.post(f"/console/imports/{batch_id(response)}/confirm")

    assert 'data-testid="confirm"' not in html(response)
    assert (refused.status_code, result_code(refused)) == (422, "import_invalid")
    assert checkins(app) == 0


def test_the_list_says_who_brought_which_file_in_and_what_came_of_it(
    app: Flask, manager: Account
) -> None:
    console = log_in(app, manager)
    real_id = imported(console)
    undone = console.post(f"/console/imports/{real_id}/undo")
    assert undone.status_code == 200

    page = console.get("/console/imports")

    assert page.status_code == 200
    row, check_row = text_of(page, f"import-{real_id}"), text_of(page, f"import-{real_id - 1}")
    with app.test_request_context():  # the page's words, in the catalog's language
        kind, undone, dry_run = (
            str(words)
            for words in (KIND_WORDS["attendance"], STATUS_WORDS["undone"], STATUS_WORDS["checked"])
        )
    assert manager.username in row and "三月签到.csv" in row and kind in row
    assert undone in row and dry_run in check_row
    # rows, new, skipped, with problems
    assert row.split(kind)[1].split()[:4] == ["3", "2", "0", "1"]


def test_a_district_manager_names_the_center(
    app: Flask, make: Factory, district_manager: Account, manager: Account
) -> None:
    console = log_in(app, district_manager)
    elsewhere = make.center("东区社区卫生服务中心")

    unnamed = check(console, csv_bytes(SIGN_INS))
    named = check(console, csv_bytes(SIGN_INS), center_id=str(elsewhere))
    page = console.get("/console/imports", query_string={"center_id": elsewhere})

    assert (unnamed.status_code, result_code(unnamed)) == (422, "validation_error")
    assert named.status_code == 200
    assert "东区社区卫生服务中心" in text_of(named, "batch")
    assert text_of(page, f"import-{batch_id(named)}")
    assert 'data-testid="import-center"' in html(page)


def test_another_centers_manager_sees_none_of_its_imports(
    app: Flask, client: FlaskClient, make: Factory, manager: Account
) -> None:
    real_id = imported(log_in(app, manager))
    check_id = checked(log_in(app, manager))
    console = log_in(app, make.staff("manager", center_id=make.center()))

    listed = console.get("/console/imports")
    statuses = [
        console.get(f"/console/imports/{real_id}").status_code,
        console.get(f"/console/imports/{real_id}/progress").status_code,
        console.get(f"/console/imports/{real_id}/problems.xlsx").status_code,
        console.post(f"/console/imports/{check_id}/confirm").status_code,
        console.post(f"/console/imports/{real_id}/undo").status_code,
    ]

    assert 'data-testid="no-imports"' in html(listed)
    assert statuses == [404] * 5
    assert checkins(app) == 2


def test_a_form_without_the_pages_token_is_refused(app: Flask, manager: Account) -> None:
    console = log_in(app, manager)
    real_id = imported(console)

    forged = [
        check(console, csv_bytes(SIGN_INS), csrf=False),
        console.post(f"/console/imports/{real_id}/undo", csrf=False),
    ]

    assert [(r.status_code, result_code(r)) for r in forged] == [(400, "csrf_failed")] * 2
    assert checkins(app) == 2


def test_a_desk_clerk_is_refused(app: Flask, desk: Account) -> None:
    console = log_in(app, desk)

    page = console.get("/console/imports")
    sent = check(console, csv_bytes(SIGN_INS))

    assert (page.status_code, sent.status_code) == (403, 403)
    assert result_code(sent) == "forbidden"
    assert "/console/imports" not in html(console.get("/console/desk"))
