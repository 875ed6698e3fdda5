"""Production entry point: `gunicorn wsgi:app`. Defaults to production mode (CONTRACTS_SECRET_KEY required)."""
from contracts_app import create_app

app = create_app(default_env="production")
