"""Two records of one person made one resident: the mini-program's link (a desk-registered
resident scans a link code with their WeChat) and a manager's merge of records found later.

Joining touches every domain (identity, points, events, catalog), so this package sits on top
of them all, like privacy; each domain moves its own rows (``identity.merging``,
``points.merging``, ``events.merging``, ``catalog.records``).
"""
