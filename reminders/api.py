"""``/api/v1/me/subscriptions`` (the resident's grants) and ``/api/v1/reminders`` (staff):
parse, authorize, call one service function, serialize."""

from __future__ import annotations

from typing import Any

from flask import current_app

from core.api import Blueprint, whole
from core.auth import RESIDENT, STAFF_ROLES, auth_required, current_principal
from core.db import utcnow
from core.errors import NotFound
from core.i18n import _l
from reminders import calls, service, subscriptions
from reminders.models import TEMPLATES
from reminders.schemas import (
    CallListPageSchema,
    CallListQueryArgsSchema,
    ReminderCallCreateSchema,
    ReminderCallSchema,
    ReminderPageSchema,
    ReminderQueryArgsSchema,
    SubscriptionCreateSchema,
    SubscriptionPageSchema,
    SubscriptionSchema,
)
from reminders.settings import ReminderSettings

blp = Blueprint(
    "reminders",
    __name__,
    url_prefix="/api/v1",
    description="Reminders through WeChat subscribe messages, and the desk's call list",
)
blueprints = (blp,)


def _template_ids() -> dict[str, str]:
    return dict(ReminderSettings.from_config(current_app.config).template_ids)


@blp.get("/me/subscriptions")
@blp.response(200, SubscriptionPageSchema)
@auth_required(RESIDENT)
def my_subscriptions() -> dict[str, Any]:
    """Every template, with the messages the resident allowed and that are not sent yet, and
    the template id to ask with `wx.requestSubscribeMessage`."""
    return whole(subscriptions.held(current_principal().id, _template_ids()))


@blp.post("/me/subscriptions")
@blp.response(200, SubscriptionSchema)
@auth_required(RESIDENT)
@blp.arguments(SubscriptionCreateSchema)
def subscribe(args: dict[str, Any]) -> dict[str, Any]:
    """Record grants the resident accepted in `wx.requestSubscribeMessage` (`count`, 1 by
    default): each allows one message of `template`. They add up, to at most 50 held."""
    granted = subscriptions.grant(current_principal().id, args["template"], args["count"], utcnow())
    return {**granted, "template_id": _template_ids().get(args["template"])}


@blp.delete("/me/subscriptions/<template>")
@blp.response(204)
@auth_required(RESIDENT)
def unsubscribe(template: str) -> None:
    """Withdraw every grant for `template`: no more messages of it until granted again.
    `not_found` (404) for a template that does not exist."""
    if template not in TEMPLATES:
        raise NotFound(_l("There is no such reminder template."))
    subscriptions.withdraw(current_principal().id, template)


@blp.get("/reminders")
@blp.response(200, ReminderPageSchema)
@auth_required(*STAFF_ROLES)
@blp.arguments(ReminderQueryArgsSchema, location="query")
def list_reminders(args: dict[str, Any]) -> dict[str, Any]:
    """Reminders of the staff member's center's residents (a district manager's or an
    administrator's: every center's), newest first, by `status`, `kind` and `channel`.
    `channel=call&status=pending` is the desk's call list: residents without WeChat. A
    reminder never names a condition: a follow-up's title is 随访."""
    return service.listing(
        current_principal(),
        args["limit"],
        args["cursor"],
        status=args["status"],
        kind=args["kind"],
        channel=args["channel"],
    )


@blp.get("/reminders/calls")
@blp.response(200, CallListPageSchema)
@auth_required(*STAFF_ROLES)
@blp.arguments(CallListQueryArgsSchema, location="query")
def call_list(args: dict[str, Any]) -> dict[str, Any]:
    """The desk's call list: reminders due now for residents without WeChat, to phone
    (numbers masked; the console gives the full number on an audited ask)."""
    return calls.call_list(
        current_principal(), args["center_id"], utcnow(), args["limit"], args["cursor"]
    )


@blp.post("/reminders/<int:reminder_id>/calls")
@blp.response(201, ReminderCallSchema)
@auth_required(*STAFF_ROLES)
@blp.arguments(ReminderCallCreateSchema)
def record_call(args: dict[str, Any], reminder_id: int) -> Any:
    """Record a call about a reminder on the call list: `reached` or `refused` settles it
    (status `called`), `no_answer` leaves it on the list. `reminder_settled` (409) once it
    is settled; another center's reminders are `not_found`."""
    return calls.record_call(
        current_principal(), reminder_id, args["outcome"], args["note"], utcnow()
    )
