"""The resident's own account, ``/api/v1/me``: one home for every route a resident calls
about themselves (profile, points, phone, privacy policy, member code, linking a desk
record, consents, follow-ups, a copy of their data, closing the account).

It sits on top of the house: it calls the domains' services and answers with their
schemas; no domain imports it.
"""
