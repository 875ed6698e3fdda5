"""``flask --app contracts_app ocds export [--since YYYY-MM-DD] > package.json``: every published agreement
and seat purchase as one OCDS release package, streamed (bounded memory at any size)."""
from __future__ import annotations

import datetime as dt
import io
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .. import clock
from ..db import get_session
from . import package

ocds_cli = AppGroup("ocds", help="OCDS 1.1.5 publication (docs/ocds.md).")


def _date(_ctx, _param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD") from None


@ocds_cli.command("export")
@click.option("--since", callback=_date, help="Only releases dated on or after this date (YYYY-MM-DD).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here instead of standard output.")
def export(since: dt.date | None, output: str | None) -> None:
    """Write a release package of everything published (agreements past signing, confirmed purchases)."""
    prefix = current_app.config["OCID_PREFIX"]
    uri = current_app.config["BASE_URL"].rstrip("/") + "/api/v1/ocds/releases" + (f"?since={since.isoformat()}" if since else "")
    session = get_session()
    if output:
        out = open(output, "w", encoding="utf-8", buffering=1 << 20)
    else:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", write_through=False)
    try:
        count = package.write_release_package(out, package.all_releases(session, prefix, since), uri=uri, now=clock.now())
        out.flush()
    finally:
        if output:
            out.close()
        else:
            out.detach()
    click.echo(f"{count} releases", err=True)
