"""Importing a center's paper years: its register of residents, lecture sign-in sheets and
the balances in residents' booklets, in batches that can be checked first and undone."""
