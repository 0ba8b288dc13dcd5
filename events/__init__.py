"""Lectures, consultations, follow-ups and re-visits, and checking in to them by QR code."""
