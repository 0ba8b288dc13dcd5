"""Words people read (problem ``title`` and ``detail``, pages): Chinese by default, English on
request through ``Accept-Language``. ``code`` never changes with the language.

Messages are written in English in the code and wrapped in :func:`_l` (lazy: a service raises
it, and the error handler renders it in the request's language); ``core/translations`` holds
the Chinese catalog (``make translations`` extracts and compiles it).
"""

from __future__ import annotations

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
