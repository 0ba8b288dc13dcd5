"""Merging two records of one person (``/console/merges``, managers): find them (records that
share a phone number, or two found by search), compare them side by side, say which one
stays and why, confirm, and read what the merge did.

The merge is the API's (``POST /api/v1/residents/{id}/merge``, merging.service.merge): the
same refusals, in words, in the page's result box. The preview reads and refuses as the
merge would (identity.merging.pair_for_merge) and writes nothing but the audited reads; the
confirm button carries an ``Idempotency-Key``, so a double click merges once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template, request

from console.desk_support import fields
from console.plumbing import Area, console_blueprint, done_once, form_args, roles_required
from core.auth import Principal, current_principal
from core.db import utcnow
from core.errors import ValidationFailed
from core.i18n import _l
from core.localtime import district_minute
from events.merging import pair_attendance
from identity import audit
from identity import merging as identity_merging
from identity import service as identity
from identity.models import Resident, named_centers
from identity.schemas import ResidentQueryArgsSchema
from merging import service as merging
from merging.schemas import DuplicatesQueryArgsSchema, MergeSchema
from points.ledger import balance_of

MANAGERS = ("manager",)
bp = console_blueprint("merges", "/merges")
AREA = Area(_l("Merge records"), "console_merges.index", MANAGERS)

#: Records a search lists (more of the name or phone finds the others).
LISTED = 20


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    return {"district_minute": district_minute}


@dataclass(frozen=True, slots=True)
class Side:
    """One record as the manager compares it with the other."""

    resident: Resident
    center: str | None
    balance: int
    reserved: int
    checkins: int


@bp.get("")
@roles_required(*MANAGERS)
def index() -> str:
    """Records sharing a phone number (``GET /api/v1/residents/duplicates``), and a search to
    find two records that share none: the first one chosen (``a``), then the other."""
    actor = current_principal()
    listing = form_args(DuplicatesQueryArgsSchema(), fields(request.args, "center_id", "cursor"))
    groups = identity_merging.duplicates(
        actor, listing["center_id"], listing["limit"], listing["cursor"]
    )
    q = form_args(ResidentQueryArgsSchema(), fields(request.args, "q"))["q"]
    found = identity.search_residents(actor, q, LISTED, None)["items"] if q else None
    first_id = request.args.get("a", type=int)
    first = audit.resident_for_staff(actor, first_id) if first_id is not None else None
    shown = [r for group in groups["items"] for r in group["residents"]] + (found or [])
    return render_template(
        "console/merges/index.html",
        groups=groups,
        q=q or "",
        found=found,
        first=first,
        centers=_center_names([*shown, *([first] if first else [])]),
    )


@bp.get("/compare")
@roles_required(*MANAGERS)
def compare() -> str:
    """Two records side by side: who, where, their points and check-ins, WeChat or not."""
    actor = current_principal()
    first, second = _pair(actor)
    attendance = pair_attendance(first.id, second.id)
    centers = _center_names([first, second])
    sides = [_side(r, centers, attendance.checkins[r.id]) for r in (first, second)]
    return render_template(
        "console/merges/compare.html",
        sides=sides,
        shared_events=attendance.shared_events,
        stays=_stays_by_default(first, second),
    )


@bp.post("/preview")
@roles_required(*MANAGERS)
def preview() -> str:
    """What the merge will do, to confirm; refused now, in words, where the merge would be."""
    actor = current_principal()
    survivor_id, args = _merge_args()
    identity_merging.pair_for_merge(actor, survivor_id, args["from_resident_id"])
    survivor, absorbed = (
        audit.resident_for_staff(actor, resident_id)
        for resident_id in (survivor_id, args["from_resident_id"])
    )
    attendance = pair_attendance(survivor.id, absorbed.id)
    return render_template(
        "console/merges/_preview.html",
        survivor=survivor,
        absorbed=absorbed,
        points=balance_of(absorbed.id)[0],
        shared_events=attendance.shared_events,
        reason=args["reason"],
    )


@bp.post("")
@done_once
@roles_required(*MANAGERS)
def merge() -> str:
    """The API's merge: ``from_resident_id`` joins the record that stays."""
    survivor_id, args = _merge_args()
    joined = merging.merge(
        current_principal(), survivor_id, args["from_resident_id"], args["reason"], utcnow()
    )
    survivor = joined.resident
    return render_template(
        "console/merges/_merged.html",
        joined=joined,
        balance=balance_of(survivor.id)[0],
        checkins=pair_attendance(survivor.id, joined.from_resident_id).checkins[survivor.id],
    )


def _pair(actor: Principal) -> tuple[Resident, Resident]:
    """The two records ``a`` and ``b`` of the query, each one the actor may see."""
    first_id, second_id = (request.args.get(name, type=int) for name in ("a", "b"))
    if first_id is None or second_id is None or first_id == second_id:
        raise ValidationFailed(_l("Choose two different records to compare."))
    return audit.resident_for_staff(actor, first_id), audit.resident_for_staff(actor, second_id)


def _merge_args() -> tuple[int, dict[str, Any]]:
    """The record that stays, and the merge as the API reads it: the other record of the
    pair (``from_resident_id``) and the reason."""
    pair = {request.form.get(name, type=int) for name in ("a", "b")} - {None}
    survivor_id = request.form.get("survivor_id", type=int)
    if survivor_id is None or survivor_id not in pair or len(pair) != 2:
        raise ValidationFailed(errors={"survivor_id": [_l("Choose the record that stays.")]})
    (absorbed_id,) = pair - {survivor_id}
    data = fields(request.form, "reason") | {"from_resident_id": str(absorbed_id)}
    return survivor_id, form_args(MergeSchema(), data)


def _stays_by_default(first: Resident, second: Resident) -> int:
    """The record offered to stay: the one registered at the desk (staff, its card and its
    follow-ups know it; a WeChat login moves onto it), else the older."""
    if first.has_wechat != second.has_wechat:
        return second.id if first.has_wechat else first.id
    return min(first.id, second.id)


def _side(resident: Resident, centers: dict[int, str], checkins: int) -> Side:
    balance, reserved = balance_of(resident.id)
    center = centers.get(resident.center_id) if resident.center_id is not None else None
    return Side(resident, center, balance, reserved, checkins)


def _center_names(residents: list[Resident]) -> dict[int, str]:
    ids = {r.center_id for r in residents if r.center_id is not None}
    return {center_id: center["name"] for center_id, center in named_centers(ids).items()}
