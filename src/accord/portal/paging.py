"""Numbered pages in the GOV.UK pagination pattern: what ``govukPagination`` is given."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode


def pagination(path: str, page: int, pages: int, **query: str) -> dict[str, Any] | None:
    """The ``govukPagination`` parameters for ``page`` of ``pages`` at ``path`` (``query``
    kept in each link): the first and last pages, the current one and its neighbours,
    ellipses between; None when there is one page."""
    if pages <= 1:
        return None

    def href(number: int) -> str:
        return f"{path}?{urlencode({**query, 'page': number})}"

    shown = sorted({1, pages, page - 1, page, page + 1} & set(range(1, pages + 1)))
    items: list[dict[str, Any]] = []
    for number in shown:
        if items and number - items[-1]["number"] > 1:
            items.append({"ellipsis": True, "number": number - 1})
        items.append({"number": number, "href": href(number), "current": number == page})
    for item in items:
        if item.get("ellipsis"):
            del item["number"]
    made: dict[str, Any] = {"items": items}
    if page > 1:
        made["previous"] = {"href": href(page - 1)}
    if page < pages:
        made["next"] = {"href": href(page + 1)}
    return made
