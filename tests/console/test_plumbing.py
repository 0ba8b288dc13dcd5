"""What every console form shares (console/plumbing.py): a refused form names its fields in
the page's language, the libraries' own messages too."""

from __future__ import annotations

import re

from flask import Flask

from tests.consoles import log_in
from tests.factories import Account

#: A new event whose title is missing and whose points are not a number.
BAD_EVENT = {
    "kind": "lecture",
    "starts_at": "2026-12-05T09:30",
    "ends_at": "2026-12-05T10:30",
    "points": "很多",
}


def field_messages(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-error-for="(\w+)"[^>]*>\s*([^<]+?)\s*<', html))


def test_a_refused_forms_field_messages_are_chinese_and_english_when_chosen(
    app: Flask, desk: Account
) -> None:
    console = log_in(app, desk)

    chinese = console.post("/console/events", BAD_EVENT, htmx=False)
    console.post("/console/language", {"language": "en"}, htmx=False)
    english = console.post("/console/events", BAD_EVENT, htmx=False)

    assert chinese.status_code == english.status_code == 422
    assert field_messages(chinese.get_data(as_text=True)) == {
        "title": "此项为必填项。",
        "points": "不是有效的整数。",
    }
    assert field_messages(english.get_data(as_text=True)) == {
        "title": "Missing data for required field.",
        "points": "Not a valid integer.",
    }
