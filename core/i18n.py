"""Words people read (problem ``title`` and ``detail``, pages): Chinese by default, English on
request through ``Accept-Language``. ``code`` never changes with the language.

Messages are written in English in the code and wrapped in :func:`_l` (lazy: a service raises
it, and the error handler renders it in the request's language); ``core/translations`` holds
the Chinese catalog (``make translations`` extracts and compiles it).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, LazyString, gettext
from markupsafe import escape

TRANSLATIONS = Path(__file__).resolve().parent / "translations"

#: Languages served, the default first.
LANGUAGES = ("zh", "en")

_ = gettext


class LazyText(LazyString):
    """A message rendered when it is used. Flask-Babel's own tells Jinja it is safe markup
    (``__html__``) though its variables may be anyone's input (an event's title): rendered
    into a page, this one is escaped like any text."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def _l(string: str, **variables: object) -> LazyText:
    """:func:`flask_babel.lazy_gettext`, escaped in pages."""
    return LazyText(gettext, string, **variables)


#: A message: plain text, or a lazy one rendered in the request's language when it is sent.
Text = str | LazyString

babel = Babel()


def select_locale() -> str:
    """The language this browser chose in the console, else the client's most preferred
    language we serve, by its primary tag (``en-GB`` is ``en``), else Chinese."""
    if not has_request_context():
        return LANGUAGES[0]
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return str(chosen)
    for tag, quality in request.accept_languages:
        language = tag.replace("_", "-").split("-")[0].lower()
        if quality > 0 and language in LANGUAGES:
            return language
    return LANGUAGES[0]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)


def N_(string: str) -> str:
    """Mark ``string`` for the catalog (gettext's name); it is translated where it is used."""
    return string


#: marshmallow's and webargs' own field messages, which they give formatted and in English;
#: ``%(name)s`` stands where they put a value.
_LIBRARY_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Invalid value."),
    N_("Invalid input."),
    N_("Invalid type."),
    N_("Not a valid boolean."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid string."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid time."),
    N_("Not a valid aware datetime."),
    N_("Not a valid naive datetime."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid UUID."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("String does not match expected pattern."),
    N_("Must be one of: %(choices)s."),
    N_("Length must be between %(min)s and %(max)s."),
    N_("Shorter than minimum length %(min)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Length must be %(equal)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be greater than %(min)s."),
    N_("Must be less than or equal to %(max)s."),
    N_("Must be less than %(max)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than %(min)s and less than %(max)s."),
    N_('"%(input)s" cannot be formatted as a date.'),
    N_('"%(input)s" cannot be formatted as a datetime.'),
)


@cache
def _library_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    def pattern(message: str) -> re.Pattern[str]:
        escaped = re.escape(message).replace(r"%\(", "%(").replace(r"\)s", ")s")
        return re.compile(re.sub(r"%\((\w+)\)s", r"(?P<\1>.*)", escaped), re.S)

    return tuple((pattern(message), message) for message in _LIBRARY_MESSAGES)


def field_message(message: Text) -> str:
    """A field's message in the request's language: ours are lazy and render themselves; the
    libraries' own arrive as English sentences and are looked up by their shape."""
    if not isinstance(message, str):
        return str(message)
    for pattern, template in _library_patterns():
        if matched := pattern.fullmatch(message):
            return gettext(template, **matched.groupdict())
    return message
