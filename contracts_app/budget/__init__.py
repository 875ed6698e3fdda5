"""Measures budgets (tiltaksmidler) per unit, year and budget line, with warning levels and budget stops."""
