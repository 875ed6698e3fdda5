"""Production entry point: `gunicorn wsgi:app`. Defaults to production mode (CONTRACTS_SECRET_KEY required).

Web workers never run scheduled jobs (each worker would run them): the scheduler is its own process,
`flask --app contracts_app scheduler run`, whatever CONTRACTS_SCHEDULER_IN_PROCESS says.
"""
from contracts_app import create_app

app = create_app({"SCHEDULER_IN_PROCESS": False}, default_env="production")
