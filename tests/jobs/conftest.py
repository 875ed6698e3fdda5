from __future__ import annotations

import pytest


@pytest.fixture
def ctx(app, db):
    """An app context around a test that calls the runner directly (it reads the settings)."""
    with app.app_context():
        yield app


@pytest.fixture
def config(app):
    """Change settings for one test."""
    saved = dict(app.config)
    yield app.config
    app.config.clear()
    app.config.update(saved)
