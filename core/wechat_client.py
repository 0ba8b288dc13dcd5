"""The one HTTP client this process talks to WeChat's server API with (identity's logins and
phone numbers, reminders' messages): it keeps TLS sessions and connections to WeChat warm,
shared by every thread (httpx's client is thread-safe)."""

from __future__ import annotations

import httpx

#: Enough connections for the reminder senders of a process and the logins beside them.
client = httpx.Client(limits=httpx.Limits(max_connections=64, max_keepalive_connections=32))
