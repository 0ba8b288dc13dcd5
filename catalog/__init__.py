"""Gifts residents trade points for, their stock per center, and desk redemptions."""
