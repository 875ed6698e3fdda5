"""Scheduled jobs: a registry of idempotent job functions, each run claimed once per time window in ``job_runs``.

See ``runner.py`` for the exactly-once rule and ``registry.py`` for the jobs and their schedules.
"""
