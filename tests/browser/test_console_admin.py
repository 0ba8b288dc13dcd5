"""The admin area in a real browser: an admin creates a staff account and deactivates it (its
open console session ends), a manager sets an earning rule, the admin reads the audit log;
at desk and tablet widths, in Chinese."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import BrowserConsole
from tests.factories import Account

NEW_PASSWORD = "a new and longer secret"


def test_an_admin_creates_an_account_then_deactivates_it_and_its_session_ends(
    browser: Browser, admin: Account, desk: Account, console: BrowserConsole
) -> None:
    page = console.log_in(admin)
    page.get_by_role("link", name="管理").click()
    expect(page).to_have_url(console.url("/console/admin/staff"))

    form = page.get_by_test_id("create-staff")
    form.locator("input[name=username]").fill("zhao.min")
    form.locator("input[name=display_name]").fill("赵敏")
    form.locator("select[name=center_id]").select_option(str(desk.center_id))
    form.locator("input[name=password]").fill("short")
    page.get_by_test_id("create").click()
    expect(page.get_by_test_id("result")).to_contain_text("至少8个字符")
    console.screenshot("weak-password")

    form.locator("input[name=password]").fill(NEW_PASSWORD)
    page.get_by_test_id("create").click()
    expect(page.get_by_test_id("result")).to_contain_text("已创建账号 zhao.min")
    row = page.get_by_test_id("staff-table").locator("tr", has_text="zhao.min")
    expect(row).to_contain_text("赵敏")
    expect(row).to_contain_text("前台工作人员")
    console.screenshot("staff")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("staff-tablet")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The new clerk logs in in another browser and works at the desk.
    clerk_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    clerk = console.log_in("zhao.min", NEW_PASSWORD, page=clerk_context.new_page())
    expect(clerk).to_have_url(console.url("/console/desk"))

    row.get_by_role("link", name="zhao.min").click()
    expect(page.get_by_test_id("staff-name")).to_have_text("赵敏")
    page.wait_for_load_state()  # until htmx drives the forms: clicked sooner, a form posts plainly
    page.get_by_test_id("deactivate").click()
    expect(page.get_by_test_id("result")).to_contain_text("账号已停用")
    expect(page.get_by_test_id("staff-state")).to_have_text("已停用")
    expect(page.get_by_test_id("reactivate")).to_be_visible()
    console.screenshot("deactivated")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("deactivated-tablet")

    clerk.reload()
    expect(clerk.locator("input[name=username]")).to_be_visible()
    clerk_context.close()


def test_a_manager_sets_an_earning_rule(manager: Account, console: BrowserConsole) -> None:
    page = console.log_in(manager)
    page.get_by_role("link", name="管理").click()
    expect(page).to_have_url(console.url("/console/admin/rules"))
    expect(page.get_by_test_id("rule-lecture-points")).to_have_text("10")

    form = page.get_by_test_id("set-rule")
    form.locator("select[name=activity]").select_option("lecture")
    form.locator("input[name=points]").fill("15")
    form.locator("input[name=daily_cap]").fill("30")
    page.get_by_test_id("save-rule").click()

    expect(page.get_by_test_id("result")).to_contain_text("讲座现在可得15积分")
    expect(page.get_by_test_id("rule-lecture-points")).to_have_text("15")
    expect(page.get_by_test_id("rule-lecture")).to_contain_text("本中心规则")
    console.screenshot("rules")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("rules-tablet")


def test_an_admin_reads_the_audit_log_filtered_by_action(
    admin: Account, desk: Account, console: BrowserConsole
) -> None:
    console.log_in(admin)
    page = console.open(f"/console/admin/staff/{desk.id}")
    page.get_by_test_id("deactivate").click()
    expect(page.get_by_test_id("result")).to_contain_text("账号已停用")

    page.get_by_role("link", name="审计日志").click()
    page.get_by_test_id("audit-filters").locator("input[name=action]").fill("staff.")
    page.get_by_test_id("audit-filters").get_by_role("button", name="查看").click()

    table = page.get_by_test_id("audit-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("staff.update")
    expect(table).to_contain_text("active: True -> False")
    with page.expect_download() as download:
        page.get_by_test_id("audit-csv").click()
    assert download.value.suggested_filename == "audit.csv"
    console.screenshot("audit")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("audit-tablet")


def test_an_admin_adds_a_center_and_renames_it(admin: Account, console: BrowserConsole) -> None:
    console.log_in(admin)
    page = console.open("/console/admin/centers")

    form = page.get_by_test_id("create-center")
    form.locator("input[name=name]").fill("东湖社区卫生服务中心")
    form.locator("input[name=address]").fill("东湖路8号")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("result")).to_contain_text("已添加中心 东湖社区卫生服务中心")
    row = page.get_by_test_id("centers-table").locator("tr", has_text="东湖社区卫生服务中心")
    expect(row).to_contain_text("东湖路8号")
    expect(form.locator("input[name=name]")).to_have_value("")

    row.locator("summary").click()
    row.locator("input[name=name]").fill("东湖街道社区卫生服务中心")
    console.screenshot("centers-editing")
    row.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("result")).to_contain_text("已保存中心 东湖街道社区卫生服务中心")
    expect(page.get_by_test_id("centers-table")).to_contain_text("东湖街道社区卫生服务中心")
    console.screenshot("centers")
    page.set_viewport_size({"width": 768, "height": 1024})
    console.screenshot("centers-tablet")
