"""Shared infrastructure at the bottom of the house: database, errors, API plumbing.

Nothing here imports a domain package; every domain may import from here.
"""
