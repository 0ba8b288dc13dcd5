"""The imports page in a real browser: a sign-in sheet checked (its bad row shown by row and
column), imported without choosing the file again, followed until done, its problems
downloaded, and the import undone; and an undo stopped by spent points, in words."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from playwright.sync_api import Page, Route, expect
from sqlalchemy import func, select

from core.db import db
from events.models import Checkin
from identity.models import Resident
from imports import runner
from tests.browser.conftest import BrowserConsole
from tests.console.imports.conftest import SIGN_INS
from tests.factories import Account, Factory
from tests.imports.conftest import BALANCES, csv_bytes


def sheet(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    return path


def check(page: Page, kind: str, path: Path) -> None:
    page.get_by_test_id(f"kind-{kind}").check()
    page.get_by_test_id("import-file").set_input_files(str(path))
    page.get_by_test_id("check").click()


def live_checkins(app: Flask) -> int:
    with app.app_context():
        live = select(func.count()).select_from(Checkin).where(Checkin.annulled_at.is_(None))
        return int(db.session.scalar(live) or 0)


def test_a_manager_checks_a_sheet_imports_it_follows_it_and_undoes_it(
    app: Flask, manager: Account, console: BrowserConsole, tmp_path: Path
) -> None:
    app.config["IMPORTS_INLINE"] = True
    console.log_in(manager)
    page = console.open("/console/imports")
    expect(page.get_by_test_id("no-imports")).to_be_visible()
    console.screenshot("1-empty")

    check(page, "attendance", sheet(tmp_path, "三月签到.csv", SIGN_INS))

    batch = page.get_by_test_id("batch")
    expect(batch).to_have_attribute("data-status", "checked")
    expect(page.get_by_test_id("problem-4")).to_contain_text("活动类型")
    expect(page.get_by_test_id("problem-4")).to_contain_text("未知的活动类型")
    expect(page.get_by_test_id("figure-created")).to_have_text("2")
    expect(page.get_by_test_id("imports").locator("tbody tr")).to_have_count(1)  # reloaded
    console.screenshot("2-checked")
    assert live_checkins(app) == 0

    with page.expect_download() as download:
        page.get_by_test_id("download-problems").click()
    problems = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert [[cell.value for cell in row] for row in problems.iter_rows()][1][:2] == [4, "活动类型"]

    # The button sends a key of its own, with the page's CSRF token: a retry imports once.
    with page.expect_request("**/confirm") as confirming:
        page.get_by_test_id("confirm").click()
    headers = confirming.value.headers
    assert len(headers["idempotency-key"]) == 32 and headers["x-csrftoken"]
    expect(page.get_by_test_id("progress")).to_be_visible()
    console.screenshot("3-importing")
    expect(batch).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("progress")).to_have_count(0)
    expect(page.get_by_test_id("figure-created")).to_have_text("2")
    expect(page.get_by_test_id("imports").locator("tbody tr")).to_have_count(2)
    console.screenshot("4-done")
    assert live_checkins(app) == 2

    page.get_by_test_id("undo").click()
    console.screenshot("5-undo-asked")
    with page.expect_request("**/undo") as undoing:
        page.get_by_test_id("confirm-undo").click()
    assert undoing.value.headers["idempotency-key"] != headers["idempotency-key"]

    expect(batch).to_have_attribute("data-status", "undone")
    expect(page.get_by_test_id("result")).to_be_visible()
    console.screenshot("6-undone")
    assert live_checkins(app) == 0
    page = console.open(
        page.get_by_test_id("imports").locator("td.file a").first.get_attribute("href") or ""
    )
    expect(page.get_by_test_id("batch")).to_have_attribute("data-status", "undone")
    console.screenshot("7-its-page")


def test_an_undo_stopped_by_spent_points_says_why_in_the_batch(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    manager: Account,
    console: BrowserConsole,
    tmp_path: Path,
) -> None:
    app.config["IMPORTS_INLINE"] = True
    make.resident(manager.center_id, name="张明", phone="13900001111")
    booklets = [BALANCES, ["黄秀英", "13812341234", "120", ""], ["张明", "13900001111", "35", ""]]
    console.log_in(manager)
    page = console.open("/console/imports")
    check(page, "balances", sheet(tmp_path, "积分卡.csv", booklets))
    page.get_by_test_id("confirm").click()
    batch = page.get_by_test_id("batch")
    expect(batch).to_have_attribute("data-status", "done")
    with app.app_context():
        zhang = db.session.scalar(select(Resident.id).where(Resident.name == "张明"))
    spent = client.post(
        f"/api/v1/residents/{zhang}/adjustments",
        headers={**manager.headers, "Idempotency-Key": "spend-1"},
        json={"points": -30, "reason": "兑换毛巾"},
    )
    assert spent.status_code == 201, spent.json

    page.get_by_test_id("undo").click()
    page.get_by_test_id("confirm-undo").click()

    # Undone in the background, followed like an import, until it stopped at the row.
    stopped = page.get_by_test_id("batch")
    expect(stopped).to_contain_text("第 3 行的居民已使用了部分积分")
    expect(stopped).to_have_attribute("data-status", "undoing")
    expect(stopped.get_by_test_id("progress")).to_have_count(0)
    expect(stopped.get_by_test_id("undo")).to_be_visible()
    console.screenshot("undo-stopped")


def test_a_confirm_whose_answer_was_lost_is_pressed_again_and_imports_once(
    manager: Account, console: BrowserConsole, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Wi-Fi drops the first answer after the server has staged the import; the clerk
    presses again: the same key replays the first answer, and the list below shows the
    import (the replay tells it to reload, as the first answer would have). The import is
    left running (not applied here), so only the answer itself can reload the list."""
    monkeypatch.setattr(runner, "launch", lambda batch_id, actor: None)
    console.log_in(manager)
    page = console.open("/console/imports")
    check(page, "attendance", sheet(tmp_path, "三月签到.csv", SIGN_INS))
    imports = page.get_by_test_id("imports").locator("tbody tr")
    expect(imports).to_have_count(1)
    answers: list[int] = []

    def drop_the_first_answer(route: Route) -> None:
        if answers:
            route.continue_()
            return
        answers.append(route.fetch().status)  # the server has handled it...
        route.abort("internetdisconnected")  # ...but the answer never reaches the page

    page.route("**/confirm", drop_the_first_answer)
    with page.expect_event("requestfailed"):
        page.get_by_test_id("confirm").click()
    assert answers == [200]
    notice = page.get_by_test_id("connection-lost")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("请检查网络")
    console.screenshot("answer-lost")
    with page.expect_response("**/confirm") as replayed:
        page.get_by_test_id("confirm").click()

    assert replayed.value.headers["idempotent-replayed"] == "true"
    expect(page.get_by_test_id("batch")).to_have_attribute("data-status", "running")
    expect(imports).to_have_count(2)  # the check and the one import
    expect(notice).to_be_hidden()
    console.screenshot("pressed-again")
