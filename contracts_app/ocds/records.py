"""Compiled OCDS records: a contracting process's releases merged by the OCDS rules (simplified)."""
from __future__ import annotations


def merge(target: dict, release: dict) -> dict:
    """OCDS merging (simplified): objects merge key by key, arrays of objects with ``id`` merge by id, other
    arrays and values are replaced by the newer release's."""
    for key, value in release.items():
        old = target.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            merge(old, value)
        elif isinstance(value, list) and isinstance(old, list) and value and all(isinstance(v, dict) and "id" in v for v in value) \
                and all(isinstance(v, dict) and "id" in v for v in old):
            by_id = {o["id"]: o for o in old}
            for item in value:
                if item["id"] in by_id:
                    merge(by_id[item["id"]], item)
                else:
                    old.append(_copy(item))
                    by_id[item["id"]] = old[-1]
        else:
            target[key] = _copy(value)
    return target


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def record(releases: list[dict]) -> dict:
    compiled: dict = {}
    for r in releases:
        merge(compiled, r)
    compiled["id"] = f"{releases[-1]['ocid']}-compiled"
    compiled["tag"] = ["compiled"]
    compiled["date"] = releases[-1]["date"]
    return {"ocid": releases[-1]["ocid"], "releases": releases, "compiledRelease": compiled}
