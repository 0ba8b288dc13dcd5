"""What ``/me`` answers that no one domain owns: the profile with the points."""

from __future__ import annotations

import marshmallow as ma

from identity.schemas import MeSchema, MeUpdateSchema
from points.schemas import ExpiringSchema


class MePointsSchema(MeSchema):
    """The resident's profile with their points."""

    balance = ma.fields.Integer(required=True)
    reserved = ma.fields.Integer(required=True, metadata={"description": "Held for pickups"})
    spendable = ma.fields.Integer(
        required=True, metadata={"description": "What gifts can be had for now: balance - reserved"}
    )
    expiring = ma.fields.List(ma.fields.Nested(ExpiringSchema), required=True)


class MeChoicesSchema(MeSchema):
    """The profile with the resident's choices that belong to other domains."""

    leaderboard_opt_in = ma.fields.Boolean(
        required=True, metadata={"description": "Appears (masked) on their center's leaderboard"}
    )


class MeChangeSchema(MeUpdateSchema):
    leaderboard_opt_in = ma.fields.Boolean(
        metadata={"description": "Appear on the center's leaderboard (masked name, no more)"}
    )
