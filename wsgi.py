"""Production entry point: `gunicorn wsgi:app`. Defaults to production mode (CONTRACTS_SECRET_KEY required).

It refuses to start in any other mode (CONTRACTS_ENV=development would serve with the public development key)
or with the development key: see ``config.check_for_serving``.

Web workers never run scheduled jobs (each worker would run them): the scheduler is its own process,
`flask --app contracts_app scheduler run`, whatever CONTRACTS_SCHEDULER_IN_PROCESS says.
"""
import gc

from contracts_app import create_app
from contracts_app.config import check_for_serving

app = create_app({"SCHEDULER_IN_PROCESS": False}, default_env="production")
check_for_serving(app.config)

# What start-up built (modules, the mapped models, templates, translations: ~170 000 objects) lives as long as
# the worker. Moved out of the cyclic collector's sight, a full collection no longer walks it: 140-180 ms for
# each one that fell inside a request, and the requests a worker answers make one every so often.
gc.collect()
gc.freeze()
