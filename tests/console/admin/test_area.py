"""The admin area as a whole: the tab it opens on for each role, a refusal in words, and the nav
that shows it to an admin only. Who may open which of its pages: tests/console/test_access.py."""

from __future__ import annotations

from flask import Flask

from tests.consoles import log_in
from tests.factories import Account


def test_the_admin_area_opens_on_the_first_tab_each_role_may_see(
    app: Flask, admin: Account, manager: Account
) -> None:
    assert log_in(app, admin).get("/console/admin").headers["Location"] == "/console/admin/staff"
    assert log_in(app, manager).get("/console/admin").headers["Location"] == "/console/admin/rules"


def test_a_clerk_and_a_manager_are_refused_in_words(
    app: Flask, desk: Account, manager: Account
) -> None:
    for account, path in ((desk, "/console/admin/rules"), (manager, "/console/admin/staff")):
        response = log_in(app, account).get(path)

        assert response.status_code == 403
        html = response.get_data(as_text=True)
        assert 'data-code="forbidden"' in html and "您的角色无权进行此操作" in html


def test_the_nav_shows_admin_in_chinese_to_an_admin_only_with_its_tabs(
    app: Flask, admin: Account, desk: Account
) -> None:
    page = log_in(app, admin).get("/console/admin/staff").get_data(as_text=True)
    assert ">管理</a>" in page
    assert "工作人员账号" in page and "审计日志" in page and "积分规则" in page

    assert ">管理</a>" not in log_in(app, desk).get("/console/desk").get_data(as_text=True)
