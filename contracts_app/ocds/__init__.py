"""OCDS 1.1.5 publication of agreements and seat purchases (docs/ocds.md).

``build.py`` turns plain values into releases and records (pure), ``source.py`` reads what is published in
chunks, ``package.py`` streams release and record packages, ``cli.py`` is ``flask ocds export`` and
``schemas.py`` the API's query and answer models (the endpoints are in ``api/views_ocds.py``).
"""
from __future__ import annotations
