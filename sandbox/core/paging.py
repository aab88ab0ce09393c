"""Twilio list pages: PageSize (1..1000, default 50), Page, PageToken (`PA<sid>` = after that SID,
`PB<sid>` = before it) and a `meta` block whose URLs are absolute on the request's own host."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from flex_chat_transfer.sandbox.core.errors import InvalidParameter
from flex_chat_transfer.sandbox.core.params import Params

MAX_PAGE_SIZE = 1000


def paginate(
    items: Sequence[dict[str, Any]],
    *,
    key: str,
    params: Params,
    page_url: str,
    render: Callable[[dict[str, Any]], dict[str, Any]],
    max_page_size: int = MAX_PAGE_SIZE,
    filters: Sequence[str] = (),
) -> dict[str, Any]:
    """One page of `items` (already filtered, oldest first) as `{key: [...], "meta": {...}}`.

    `page_url` is the absolute list URL without a query; `filters` names the query parameters to carry
    into the page URLs.
    """
    size = params.get_int("PageSize", 50, 1, max_page_size) or 50
    page = params.get_int("Page", 0, 0) or 0
    token = params.get("PageToken")
    sids = [item["sid"] for item in items]
    if token:
        anchor = token[2:]
        if token[:2] not in ("PA", "PB") or anchor not in sids:
            raise InvalidParameter(
                f"PageToken {token!r} is not a token this list issued; follow next_page_url"
            )
        at = sids.index(anchor)
        start = at + 1 if token.startswith("PA") else max(0, at - size)
    else:
        start = page * size
    chunk = items[start : start + size]
    carried = [(name, value) for name in filters for value in params.get_list(name)]

    def url(page_number: int, page_token: str | None = None) -> str:
        query = [*carried, ("PageSize", size), ("Page", page_number)]
        if page_token:
            query.append(("PageToken", page_token))
        return f"{page_url}?{urlencode(query)}"

    has_next = start + size < len(items) and bool(chunk)
    return {
        key: [render(item) for item in chunk],
        "meta": {
            "page": page,
            "page_size": size,
            "first_page_url": url(0),
            "previous_page_url": url(page - 1, f"PB{chunk[0]['sid']}") if page > 0 and chunk else None,
            "url": url(page, token),
            "next_page_url": url(page + 1, f"PA{chunk[-1]['sid']}") if has_next else None,
            "key": key,
        },
    }
