"""Form markup every page shares (templates/_macros.html)."""
from __future__ import annotations

import pytest

from .support import login


@pytest.mark.parametrize("path, user", [
    ("/login", None), ("/regelsjekk", "legal@test.no"), ("/budgets/new", "budget@test.no"),
    ("/courses/new", "coordinator@test.no"),
])
def test_form_fields_are_described_only_by_elements_that_exist(client, world, path, user):
    if user:
        login(client, user)
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'aria-describedby="None"' not in html and 'aria-describedby=""' not in html
    for described in {part for chunk in html.split('aria-describedby="')[1:] for part in chunk.split('"', 1)[0].split()}:
        assert f'id="{described}"' in html, described
