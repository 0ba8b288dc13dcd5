"""A resident's rights over their own data (PIPL Art. 45 and 47): a copy, and closing the account.

Both read and settle across every domain, so this package sits on top of them all.
"""
