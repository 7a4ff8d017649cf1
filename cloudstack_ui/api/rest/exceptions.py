"""REST errors: the services' typed errors as HTTP statuses (400, 401, 403,
404, 409) with CloudStack's error fields, never a 500 on bad input."""
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cloudstack_ui.dependents import DATABASE_REFUSALS, describe_database_refusal
from cloudstack_ui.errors import CloudStackError


def rest_exception_handler(exc, context):
    if isinstance(exc, DATABASE_REFUSALS):
        exc = describe_database_refusal(exc)
    if isinstance(exc, CloudStackError):
        body = {"errorcode": exc.errorcode, "cserrorcode": exc.cserrorcode, "errortext": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=exc.http_status)
    return exception_handler(exc, context)
