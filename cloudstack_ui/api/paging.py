"""Pages of list answers: `page` from 1, `pagesize` capped by the global
setting default.page.size (-1 asks for all, within that cap); and the
filtering of list commands by their parameters."""
from cloudstack_ui.errors import InvalidParameter


def page_of(result, *, page: int | None, pagesize: int | None, cap: int):
    """The rows of the requested page and the total count. A queryset is
    counted and sliced in the database: two queries whatever the page size."""
    if page is not None and page < 1:
        raise InvalidParameter("page: must be 1 or more", field="page")
    if pagesize is not None and pagesize != -1 and pagesize < 1:
        raise InvalidParameter("pagesize: must be 1 or more, or -1 for all", field="pagesize")
    size = cap if pagesize in (None, -1) else min(pagesize, cap)
    start = ((page or 1) - 1) * size
    if isinstance(result, (list, tuple)):
        return list(result[start:start + size]), len(result)
    count = result.count()
    return (list(result[start:start + size]) if count > start else []), count


def filter_by_params(queryset, params: dict, **lookups):
    """Apply each given list parameter to its lookup when present:
    filter_by_params(qs, p, zoneid="zone__uuid")."""
    for param, lookup in lookups.items():
        if param in params:
            queryset = queryset.filter(**{lookup: params[param]})
    return queryset
