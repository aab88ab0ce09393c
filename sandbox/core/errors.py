"""Twilio error responses: one exception class per Twilio error code.

    TwilioError             base: code, status, message template; body() -> {code,message,more_info,status}
    ├── InvalidParameter      20001  400  bad form input, invalid workflow configuration, duplicate names
    ├── Authenticate          20003  401  missing or wrong HTTP Basic credentials
    ├── MethodNotAllowed      20004  405  known path, unsupported method
    ├── NotFound              20404  404  unknown resource (message names the path without /v1)
    ├── Conflict              20409  409  the resource's state forbids it (Serverless: a deployed build or
    │                                     function deleted, a build deployed twice to one environment)
    ├── PreconditionFailed    20412  412  If-Match names another version of a Task (its ETag)
    ├── TooManyRequests       20429  429  injected concurrency fault (never processed; safe to retry)
    ├── InternalError         20500  500  a bug in the sandbox (traceback on the server's stderr)
    ├── ServiceUnavailable    20503  503  injected outage
    ├── ReadOnlyProperty      45004  400  Flex Configuration property that cannot be changed
    ├── UnsupportedRuntime    82007  400  Serverless build runtime not offered
    └── ContextTooLarge       82006  400  Serverless function context above 3 KB

Raise one anywhere inside a handler; the app turns it into the JSON body and status.
"""

from __future__ import annotations

from typing import Any, ClassVar


class TwilioError(Exception):
    code: ClassVar[int] = 20001
    status: ClassVar[int] = 400
    template: ClassVar[str] = "{detail}"

    def __init__(self, detail: str = "", **fields: Any) -> None:
        self.message = self.template.format(detail=detail, **fields)
        self.headers: dict[str, str] = {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


class InvalidParameter(TwilioError):
    code, status, template = 20001, 400, "{detail}"


class Authenticate(TwilioError):
    code, status, template = 20003, 401, "Authenticate"


class MethodNotAllowed(TwilioError):
    code, status, template = 20004, 405, "Method not allowed"


class NotFound(TwilioError):
    code, status, template = 20404, 404, "The requested resource {detail} was not found"


class Conflict(TwilioError):
    code, status, template = 20409, 409, "{detail}"


class PreconditionFailed(TwilioError):
    code, status, template = 20412, 412, "Precondition Failed: {detail}"


class TooManyRequests(TwilioError):
    code, status, template = 20429, 429, "Too Many Requests"

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__()
        self.headers = {"Retry-After": str(retry_after), "Twilio-Concurrent-Requests": "1"}


class InternalError(TwilioError):
    code, status, template = 20500, 500, "Internal Server Error: {detail}"


class ServiceUnavailable(TwilioError):
    code, status, template = 20503, 503, "Service Unavailable"


class ReadOnlyProperty(TwilioError):
    code, status, template = 45004, 400, "You are not allowed to modify property for [{detail}]"


class UnsupportedRuntime(TwilioError):
    code, status, template = 82007, 400, "Runtime {detail} is not supported"


class ContextTooLarge(TwilioError):
    code, status, template = 82006, 400, "Function context is larger than 3 KB: {detail}"


def missing(name: str) -> InvalidParameter:
    return InvalidParameter(f"Missing required parameter {name} in the post body")
