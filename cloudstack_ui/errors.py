"""Typed errors raised by services. Each surface maps them once: the command
API to CloudStack's errorcodes, REST to HTTP statuses, the UI to form errors
and messages. A service never returns half-done work with an error."""


class CloudStackError(Exception):
    """Base class. `errorcode` is CloudStack's (ApiErrorCode); `field` names the
    parameter at fault when there is one, so forms can attach the message."""

    errorcode = 530
    http_status = 500

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return self.message


class InvalidParameter(CloudStackError):
    errorcode = 431
    http_status = 400


class PermissionDenied(CloudStackError):
    """The caller's role or scope does not allow this."""

    errorcode = 432
    http_status = 403


class NotFound(CloudStackError):
    """No such object within the caller's reach (unknown and out of scope look
    the same, so ids of other tenants are not disclosed)."""

    errorcode = 431
    http_status = 404


class AuthenticationFailed(CloudStackError):
    errorcode = 401
    http_status = 401


class AccountError(CloudStackError):
    errorcode = 531
    http_status = 409


class InsufficientCapacity(CloudStackError):
    errorcode = 533
    http_status = 409


class ResourceUnavailable(CloudStackError):
    errorcode = 534
    http_status = 409


class ResourceAllocationError(CloudStackError):
    errorcode = 535
    http_status = 409


class ResourceInUse(CloudStackError):
    errorcode = 536
    http_status = 409


class NetworkRuleConflict(CloudStackError):
    errorcode = 537
    http_status = 409
