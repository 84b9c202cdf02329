"""The synthetic routes every benchmark uses, so their numbers describe the same apps.

A mix of static paths, `:params` and `/*` catchalls over the eight methods, as a
large real app has them.
"""

from __future__ import annotations

METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "any")


def http_routes(count: int) -> list[str]:
    """`count` distinct `@http` lines ("method path")."""
    lines = []
    for i in range(count):
        method = METHODS[i % len(METHODS)]
        shape = i % 4
        if shape == 0:
            path = f"/api/v{i % 3}/items-{i}"
        elif shape == 1:
            path = f"/api/things_{i}/:thingID"
        elif shape == 2:
            path = f"/files/{i}/nested.part/*"
        else:
            path = f"/users/:user/posts-{i}/:post"
        lines.append(f"{method} {path}")
    return lines
