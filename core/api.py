"""The flask-smorest Api: OpenAPI document and its Swagger UI, problem+json errors, cursor
pagination."""

from __future__ import annotations

import base64
import binascii
import http
import json
from datetime import UTC, date, datetime, time
from http import HTTPStatus
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Flask, Response, has_app_context, send_from_directory
from flask_smorest.utils import prepare_response, resolve_schema_instance
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from core.errors import PROBLEM_CONTENT_TYPE, BadRequest, http_problem
from core.i18n import _l
from core.localtime import district_zone
from core.requestbody import ArgumentsParser


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error of this API is shaped."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    code = ma.fields.String(
        required=True, metadata={"description": "Stable snake_case code clients switch on"}
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Field messages (422 only)"},
    )


#: Ids are 32-bit integers in every table; a larger number cannot name a row.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: a positive id within range, else the route does not match."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def id_field(**kwargs: Any) -> ma.fields.Integer:
    """An integer field that only accepts a possible row id."""
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


#: Days this system can mean: wide enough for any record, narrow enough that time-zone
#: arithmetic on them cannot overflow.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def day_field(**kwargs: Any) -> ma.fields.Date:
    """A ``YYYY-MM-DD`` day between 2000 and 2099."""
    return ma.fields.Date(validate=ma.validate.Range(min=FIRST_DAY, max=LAST_DAY), **kwargs)


class LocalDateTime(ma.fields.DateTime):
    """A timestamp in the district's time (``TIMEZONE``): written with its offset
    (``2026-03-05T09:30:00+08:00``), read with any offset, or without one as district time.

    Every timestamp of the API is one of these, so clients never convert from UTC.
    """

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is not None and has_app_context():  # apispec writes the docs without one
            value = value.astimezone(district_zone())
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=district_zone())
        return moment


def moment_field(**kwargs: Any) -> LocalDateTime:
    """A timestamp (district time unless it says otherwise), between 2000 and 2099."""
    earliest = datetime.combine(FIRST_DAY, time(), tzinfo=UTC)
    latest = datetime.combine(LAST_DAY, time(), tzinfo=UTC)
    return LocalDateTime(validate=ma.validate.Range(min=earliest, max=latest), **kwargs)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, parsing every request with one instance of each schema.

    Given a schema class, webargs builds an instance (deep-copying its fields) for every
    request it parses, which costs more than the parse itself.
    """

    ARGUMENTS_PARSER = ArgumentsParser()

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Any:
        return super().arguments(resolve_schema_instance(schema), *args, **kwargs)


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app: Any, *, spec_kwargs: Any = None) -> None:
        app.url_map.converters["id"] = IdConverter
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.register_converter(
            IdConverter, lambda _: {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        )
        _serve_swagger_ui_assets(app)

    def handle_http_exception(self, error: HTTPException) -> Any:
        return http_problem(error)

    def _register_responses(self) -> None:
        # flask-smorest documents errors as application/json; ours are problem+json.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


def _serve_swagger_ui_assets(app: Flask) -> None:
    """``/api/docs`` loads Swagger UI from ``OPENAPI_SWAGGER_UI_URL``: serve it from the
    swagger-ui-bundle package, so the docs need no CDN."""
    url = app.config.get("OPENAPI_SWAGGER_UI_URL") or ""
    if not url.startswith("/"):
        return

    def swagger_ui_asset(filename: str) -> Response:
        return send_from_directory(str(swagger_ui_path), filename)

    app.add_url_rule(f"{url}<path:filename>", view_func=swagger_ui_asset)


def also_returns(schema: type[ma.Schema], *content_types: str, status: int = 200) -> Any:
    """Document a success response that is JSON by ``schema`` or a file (QR image, CSV).

    flask-smorest documents one media type per status; this writes the response whole.
    """
    binary = {"schema": {"type": "string", "format": "binary"}}
    content = {"application/json": {"schema": schema}, **dict.fromkeys(content_types, binary)}
    return flask_smorest.Blueprint.doc(
        responses={str(status): {"description": HTTPStatus(status).phrase, "content": content}}
    )


def problems(schema: type[ProblemSchema], *statuses: int, description: str) -> Any:
    """Document refusals whose problem carries extension members: ``schema`` is
    :class:`ProblemSchema` plus them (``DomainError.extensions``); ``description`` names the
    codes. Other statuses keep the plain problem."""
    content = {PROBLEM_CONTENT_TYPE: {"schema": schema}}
    return flask_smorest.Blueprint.doc(
        responses={
            str(status): {"description": description, "content": content} for status in statuses
        }
    )


class CenterRefSchema(ma.Schema):
    """A center where a list names one: its id and name."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class PageArgsSchema(ma.Schema):
    """``?limit=&cursor=`` of every list."""

    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
    cursor = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=200), allow_none=True
    )


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """``{"items": [...], "next_cursor": str|null}`` around ``item_schema``."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(required=True, allow_none=True),
        },
        name=name,
    )


def encode_cursor(*key: Any) -> str:
    """An opaque keyset cursor: the sort key of the last item of a page."""
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, types: tuple[type, ...]) -> list[Any]:
    """The key ``encode_cursor`` packed, checked to have one value of each of ``types``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest(_l("The cursor is not one this API handed out.")) from None
    if (
        not isinstance(key, list)
        or len(key) != len(types)
        or any(type(value) is not kind for value, kind in zip(key, types, strict=True))
    ):
        raise BadRequest(_l("The cursor is not one this API handed out."))
    return key


def whole(items: list[Any]) -> dict[str, Any]:
    """A list short enough to send whole, in the shape of every list."""
    return {"items": items, "next_cursor": None}


def page(items: list[Any], limit: int, key: Any) -> dict[str, Any]:
    """Cut a list fetched with ``limit + 1`` rows into a page and its next cursor."""
    has_more = len(items) > limit
    items = items[:limit]
    next_cursor = encode_cursor(*key(items[-1])) if has_more else None
    return {"items": items, "next_cursor": next_cursor}
