"""The sales organisation: people, their roles and supervisors (the sales regions are pure
data in lib.regions)."""
