"""Who takes part: centers, staff, residents, consent, and how each of them logs in."""
