from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from flask import Flask

from core.db import db

T = TypeVar("T")


@pytest.fixture
def commit(app: Flask) -> Callable[..., Any]:
    """Run a service call in its own transaction, as one request would, and commit it."""

    def run(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with app.app_context():
            try:
                result = function(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise

    return run
