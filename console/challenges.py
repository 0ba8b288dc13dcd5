"""Challenges and badges (``/console/challenges``, managers): the challenges they see with
their state and uptake; setting one, changing one that has not started, ending a running
one early; the district's badges with how many residents hold each, making one and
deactivating one.

The same services and schemas as ``/api/v1/challenges`` and ``/api/v1/badges``: who may
change what (a center's manager their center's challenges; district-wide ones and badges are
the district's manager's) and every rule is theirs.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from console.plumbing import Area, console_blueprint, form_args, is_htmx, roles_required
from core.api import PageArgsSchema
from core.auth import Principal, current_principal
from core.db import utcnow
from core.errors import DomainError
from core.i18n import Text, _l
from core.localtime import district_today, district_zone
from gamification import badges, challenges
from gamification.schemas import BadgeCreateSchema, ChallengeCreateSchema, ChallengeUpdateSchema
from identity.service import list_centers
from stats import service as stats
from stats.periods import Period

bp = console_blueprint("challenges", "/challenges")
#: Who sets challenges and badges (the API's ``MANAGERS``).
MANAGERS = ("manager", "admin")
AREA = Area(_l("Challenges"), "console_challenges.index", MANAGERS)
PAGE_SIZE = 50

GOAL_KINDS: dict[str, Text] = {
    "any": _l("Any activity"),
    "lecture": _l("Lecture"),
    "consultation": _l("Consultation day"),
    "followup": _l("Follow-up"),
    "revisit": _l("Re-visit"),
    "screening": _l("Screening"),
}
STATUS_WORDS: dict[str, Text] = {
    challenges.UPCOMING: _l("Not started yet"),
    challenges.RUNNING: _l("Running"),
    challenges.ENDED: _l("Ended"),
}
RULE_WORDS: dict[str, Text] = {
    "activities": _l("Activities attended"),
    "followups_on_time": _l("Follow-ups on time in a row"),
    "streak": _l("Months in a row"),
    "all_screenings": _l("Every screening done"),
    "first_gift": _l("First gift"),
}
#: Whole numbers the API's schemas read strictly (a form sends text).
NUMBERS = ("goal_count", "bonus_points", "count", "center_id")


@bp.context_processor
def _words() -> dict[str, Any]:
    return {"goal_kinds": GOAL_KINDS, "status_words": STATUS_WORDS, "rule_words": RULE_WORDS}


@bp.get("")
@roles_required(*MANAGERS)
def index() -> str:
    """The challenges the manager sees, newest first, each with its state and uptake."""
    actor = current_principal()
    args = form_args(PageArgsSchema(), {"limit": PAGE_SIZE, "cursor": request.args.get("cursor")})
    listed = challenges.listing(actor, args["limit"], args["cursor"])
    today = district_today()
    more = listed["next_cursor"]
    return render_template(
        "console/challenges/index.html",
        rows=[_row(actor, challenge, today) for challenge in listed["items"]],
        centers={center.id: center.name for center in list_centers()},
        more=url_for(".index", cursor=more) if more else None,
        done=request.args.get("done"),
    )


def _row(actor: Principal, challenge: dict[str, Any], today: Any) -> dict[str, Any]:
    status = challenges.status_on(challenge["starts_on"], challenge["ends_on"], today)
    mine = challenge["center_id"] is not None or actor.is_district_wide
    return {
        **challenge,
        "status": status,
        "uplift": None if status == challenges.UPCOMING else _uplift(challenge, today),
        "in_progress": challenge["joined"] - challenge["completed"],
        "bonus_paid": challenge["completed"] * challenge["bonus_points"],
        "may_edit": mine and status == challenges.UPCOMING,
        "may_end": mine and status == challenges.RUNNING,
    }


def _uplift(challenge: dict[str, Any], today: date) -> dict[str, int]:
    """Attendance of the goal's kind in the challenge's days so far, against as many days
    just before it began, where it runs: what the campaign brought."""
    during = Period(challenge["starts_on"], min(challenge["ends_on"], today))
    before = Period(during.start - timedelta(days=during.days), during.start - timedelta(days=1))
    kind, where, tz = challenge["goal"]["kind"], challenge["center_id"], district_zone()
    now, then = stats.attendance(during, where, tz)[kind], stats.attendance(before, where, tz)[kind]
    return {"during": now, "before": then, "extra": now - then}


@bp.get("/new")
@roles_required(*MANAGERS)
def new() -> str:
    return _form_page(None, {"goal_kind": "lecture"}, None)


@bp.post("")
@roles_required(*MANAGERS)
def create() -> Any:
    """Set a challenge, as ``POST /api/v1/challenges``."""
    try:
        made = challenges.create(current_principal(), form_args(ChallengeCreateSchema(), _data()))
    except DomainError as refusal:
        return _form_page(None, request.form, refusal), refusal.status
    return _go(url_for(".index", done="created", _anchor=f"challenge-{made['id']}"))


@bp.get("/<id:challenge_id>/edit")
@roles_required(*MANAGERS)
def edit(challenge_id: int) -> str:
    challenge = challenges.get(current_principal(), challenge_id)
    values = {
        **challenge,
        "goal_kind": challenge["goal"]["kind"],
        "goal_count": challenge["goal"]["count"],
    }
    return _form_page(challenge, values, None)


@bp.post("/<id:challenge_id>/edit")
@roles_required(*MANAGERS)
def update(challenge_id: int) -> Any:
    """Change it, as ``PUT /api/v1/challenges/{id}`` (only before it starts)."""
    actor = current_principal()
    challenge = challenges.get(actor, challenge_id)
    try:
        fields = form_args(ChallengeUpdateSchema(), _data())
        challenges.edit(actor, challenge_id, fields, district_today())
    except DomainError as refusal:
        return _form_page(challenge, request.form, refusal), refusal.status
    return _go(url_for(".index", done="saved", _anchor=f"challenge-{challenge_id}"))


@bp.post("/<id:challenge_id>/end")
@roles_required(*MANAGERS)
def end(challenge_id: int) -> Response:
    """End it today, as ``POST /api/v1/challenges/{id}/end``."""
    challenges.end(current_principal(), challenge_id, district_today())
    return _go(url_for(".index", done="ended", _anchor=f"challenge-{challenge_id}"))


@bp.get("/badges")
@roles_required(*MANAGERS)
def badge_list() -> str:
    """Every badge of the district, with how many residents hold it."""
    return _badges_page({"rule": "activities", "count": "1"}, None)


@bp.post("/badges")
@roles_required(*MANAGERS)
def create_badge() -> Any:
    """Make a badge, as ``POST /api/v1/badges``."""
    try:
        badges.create(current_principal(), form_args(BadgeCreateSchema(), _data()))
    except DomainError as refusal:
        return _badges_page(request.form, refusal), refusal.status
    return _go(url_for(".badge_list", done="created"))


@bp.post("/badges/<code>/deactivate")
@roles_required(*MANAGERS)
def deactivate_badge(code: str) -> Response:
    """Stop awarding it, as ``POST /api/v1/badges/{code}/deactivate``."""
    badges.deactivate(current_principal(), code, utcnow())
    return _go(url_for(".badge_list", done="deactivated"))


def _badges_page(values: Any, refusal: DomainError | None) -> str:
    return render_template(
        "console/challenges/badges.html",
        badges=badges.definitions(),
        holders=badges.holders(),
        may_make=current_principal().is_district_wide,
        values=values,
        refusal=refusal,
        errors=(refusal.errors if refusal else None) or {},
        done=request.args.get("done"),
    )


def _form_page(challenge: dict[str, Any] | None, values: Any, refusal: DomainError | None) -> str:
    actor = current_principal()
    return render_template(
        "console/challenges/form.html",
        challenge=challenge,
        values=values,
        refusal=refusal,
        errors=(refusal.errors if refusal else None) or {},
        centers=list_centers() if challenge is None and actor.is_district_wide else [],
    )


def _data() -> dict[str, Any]:
    """The posted fields for the API's schemas: numbers as numbers, the goal nested, empty
    fields absent."""
    data: dict[str, Any] = {}
    for name, value in request.form.items():
        value = value.strip()
        if name == "csrf_token" or value == "":
            continue
        whole = name in NUMBERS and value.isdecimal() and len(value) <= 12
        data[name] = int(value) if whole else value
    if "goal_kind" in data or "goal_count" in data:
        data["goal"] = {"kind": data.pop("goal_kind", None), "count": data.pop("goal_count", None)}
        data["goal"] = {key: value for key, value in data["goal"].items() if value is not None}
    return data


def _go(target: str) -> Response:
    """After a change, the page that shows it (a new request: a reload posts nothing)."""
    if is_htmx():
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target, 303)
