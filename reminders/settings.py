"""What reminders read from the configuration, read once for a run (and for each sender
thread, which has no request)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.localtime import zone_of
from reminders.models import TEMPLATES

#: Messages go out from 08:00 to 21:00 in the district, never at night.
OPENS, CLOSES = time(8), time(21)


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    tz: ZoneInfo
    #: template → WeChat's template id; a template without one is not sent.
    template_ids: Mapping[str, str]
    api_base: str
    appid: str
    secret: str
    timeout: float
    miniprogram_state: str
    senders: int
    max_attempts: int
    retry_seconds: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReminderSettings:
        return cls(
            tz=zone_of(config),
            template_ids={
                template: config[f"WECHAT_TEMPLATE_{template.upper()}"]
                for template in TEMPLATES
                if config.get(f"WECHAT_TEMPLATE_{template.upper()}")
            },
            api_base=config["WECHAT_API_BASE"],
            appid=config["WECHAT_APPID"],
            secret=config["WECHAT_SECRET"],
            timeout=config["WECHAT_TIMEOUT"],
            miniprogram_state=config["WECHAT_MINIPROGRAM_STATE"],
            senders=max(1, config["REMINDER_SENDERS"]),
            max_attempts=max(1, config["REMINDER_MAX_ATTEMPTS"]),
            retry_seconds=config["REMINDER_RETRY_SECONDS"],
        )


def is_quiet(moment: datetime, tz: ZoneInfo) -> bool:
    """Night in the district (21:00–08:00): no message goes out."""
    return not OPENS <= moment.astimezone(tz).time() < CLOSES


def awake(moment: datetime, tz: ZoneInfo) -> datetime:
    """``moment``, or 08:00 after it when it falls in the night."""
    local = moment.astimezone(tz)
    if local.time() < OPENS:
        return datetime.combine(local.date(), OPENS, tz)
    if local.time() >= CLOSES:
        return datetime.combine(local.date() + timedelta(days=1), OPENS, tz)
    return moment


def at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tz)
