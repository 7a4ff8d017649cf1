"""Typed errors raised by services. Each surface maps them once: the command
API to CloudStack's errorcodes, REST to HTTP statuses, the UI to form errors
and messages. A service never returns half-done work with an error."""


class CloudStackError(Exception):
    """Base class. `errorcode` is CloudStack's (ApiErrorCode); `field` names the
    parameter at fault when there is one, so forms can attach the message."""

    errorcode = 530
    # CloudStack's CSExceptionErrorCode of the matching Java exception.
    cserrorcode = 4250
    http_status = 500

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return self.message


class InvalidParameter(CloudStackError):
    errorcode = 431
    cserrorcode = 4350
    http_status = 400


class PermissionDenied(CloudStackError):
    """The caller's role or scope does not allow this."""

    errorcode = 432
    cserrorcode = 4365
    http_status = 403


class NotFound(CloudStackError):
    """No such object within the caller's reach (unknown and out of scope look
    the same, so ids of other tenants are not disclosed)."""

    errorcode = 431
    cserrorcode = 4350
    http_status = 404


class AuthenticationFailed(CloudStackError):
    errorcode = 401
    cserrorcode = 4290
    http_status = 401


class MethodNotAllowed(CloudStackError):
    errorcode = 405
    cserrorcode = 9999
    http_status = 405


class AccountError(CloudStackError):
    errorcode = 531
    cserrorcode = 4250
    http_status = 409


class InsufficientCapacity(CloudStackError):
    errorcode = 533
    cserrorcode = 4325
    http_status = 409


class ResourceUnavailable(CloudStackError):
    errorcode = 534
    cserrorcode = 4380
    http_status = 409


class ResourceAllocationError(CloudStackError):
    errorcode = 535
    cserrorcode = 4370
    http_status = 409


class ResourceInUse(CloudStackError):
    errorcode = 536
    cserrorcode = 4375
    http_status = 409


class NetworkRuleConflict(CloudStackError):
    errorcode = 537
    cserrorcode = 4360
    http_status = 409
