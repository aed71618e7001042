"""Visits (C4, C5): the check-in record and its evidence checks, weekly visit plans and
follow-up tasks."""
