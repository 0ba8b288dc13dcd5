"""The points ledger: accounts, append-only entries, earning rules and expiry."""
