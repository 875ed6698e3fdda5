"""Operator pages that belong to no single domain: the audit log."""
