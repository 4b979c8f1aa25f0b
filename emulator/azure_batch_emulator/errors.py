"""Azure Batch errors, one class per wire code, rendered in either plane's error shape.

An error does not know which plane raised it: the dispatcher renders it as an ARM ``CloudError``
(``{"error": {code, message, target, details}}``) on the management plane and as a Batch ``BatchError``
(``{code, message: {lang, value}, values}``) on the data plane. ``details`` items (``{code, message}``)
become data-plane ``values`` (``{key, value}``). Messages never contain secret values.
"""

from __future__ import annotations

from typing import Any, ClassVar


class EmulatorError(Exception):
    """Base class: an Azure error code with its HTTP status."""

    CODE: ClassVar[str] = "InternalServerError"
    STATUS: ClassVar[int] = 500

    def __init__(
        self,
        message: str,
        *,
        target: str | None = None,
        details: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.target = target
        self.details = details or []
        self.headers = headers or {}

    def management_body(self) -> dict[str, Any]:
        """The ARM ``CloudError`` body."""
        error: dict[str, Any] = {"code": self.CODE, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        if self.details:
            error["details"] = [dict(detail) for detail in self.details]
        return {"error": error}

    def dataplane_body(self) -> dict[str, Any]:
        """The Batch service ``BatchError`` body."""
        body: dict[str, Any] = {"code": self.CODE, "message": {"lang": "en-US", "value": self.message}}
        if self.details:
            body["values"] = [{"key": d["code"], "value": d["message"]} for d in self.details]
        return body


def property_details(reason: str, path: str) -> list[dict[str, str]]:
    """The ``Reason``/``PropertyName``/``PropertyPath`` details the Batch RP attaches to property errors."""
    return [
        {"code": "Reason", "message": reason},
        {"code": "PropertyName", "message": path.rsplit(".", 1)[-1].split("[", 1)[0]},
        {"code": "PropertyPath", "message": path},
    ]


class PropertyError(EmulatorError):
    """Base for errors about one request property; details name the property and its path."""

    def __init__(self, message: str, *, path: str, target: str | None = None) -> None:
        super().__init__(message, target=target or path, details=property_details(message, path))


class AuthenticationFailed(EmulatorError):
    """Raised when the bearer token is missing or is not the configured one."""

    CODE, STATUS = "AuthenticationFailed", 401


class AuthorizationFailed(EmulatorError):
    """Raised when a token limited to one subscription is used on another."""

    CODE, STATUS = "AuthorizationFailed", 403


class MissingApiVersionParameter(EmulatorError):
    """Raised when a management request has no ``api-version`` query parameter."""

    CODE, STATUS = "MissingApiVersionParameter", 400


class InvalidApiVersionParameter(EmulatorError):
    """Raised when a management request names an api-version the emulator does not serve."""

    CODE, STATUS = "InvalidApiVersionParameter", 400


class InvalidQueryParameterValue(EmulatorError):
    """Raised when a query parameter (``api-version``, ``maxresults``, ``$skiptoken``) is out of range."""

    CODE, STATUS = "InvalidQueryParameterValue", 400


class InvalidUri(EmulatorError):
    """Raised when no route matches the request path."""

    CODE, STATUS = "InvalidUri", 404


class UnsupportedHttpVerb(EmulatorError):
    """Raised when the path exists but not for this HTTP method."""

    CODE, STATUS = "UnsupportedHttpVerb", 405


class InvalidRequestContent(EmulatorError):
    """Raised when the body is not JSON, not an object, or not readable."""

    CODE, STATUS = "InvalidRequestContent", 400


class UnsupportedMediaType(EmulatorError):
    """Raised when a body is declared as something other than JSON."""

    CODE, STATUS = "UnsupportedMediaType", 415


class RequestBodyTooLarge(EmulatorError):
    """Raised when the body is larger than the emulator accepts."""

    CODE, STATUS = "RequestBodyTooLarge", 413


class InvalidResourceName(EmulatorError):
    """Raised when a pool or account name breaks Azure's naming rules."""

    CODE, STATUS = "InvalidResourceName", 400


class MissingRequiredProperty(PropertyError):
    """Raised when a required property (``vmSize``, ``imageReference``, extension ``name``...) is absent."""

    CODE, STATUS = "MissingRequiredProperty", 400


class InvalidPropertyValue(PropertyError):
    """Raised when a property has the wrong type or a value Azure rejects."""

    CODE, STATUS = "InvalidPropertyValue", 400


class PropertyCannotBeUpdated(EmulatorError):
    """Raised when a PUT or PATCH changes a property that needs the pool at 0 nodes and Steady."""

    CODE, STATUS = "PropertyCannotBeUpdated", 400

    def __init__(self, prop: str) -> None:
        reason = "A property that cannot be updated was specified as part of the request."
        super().__init__(
            f"{reason} Property '{prop}' can only be changed while the pool is Steady with 0 nodes; "
            "scale the pool to 0 first or recreate it.",
            target="BatchAccount",
            details=[
                {"code": "Reason", "message": reason},
                {"code": "PropertyName", "message": prop},
                {"code": "PropertyPath", "message": f"properties.{prop}"},
            ],
        )


class ResourceNotFound(EmulatorError):
    """Raised when an account, pool, operation or node extension does not exist."""

    CODE, STATUS = "ResourceNotFound", 404


class PoolNotFound(EmulatorError):
    """Raised by the data plane when the pool does not exist."""

    CODE, STATUS = "PoolNotFound", 404


class NodeNotFound(EmulatorError):
    """Raised by the data plane when the node does not exist in the pool."""

    CODE, STATUS = "NodeNotFound", 404


class PoolBeingDeleted(EmulatorError):
    """Raised when a write targets a pool whose deletion is in progress."""

    CODE, STATUS = "PoolBeingDeleted", 409


class PreconditionFailed(EmulatorError):
    """Raised when ``If-Match`` or ``If-None-Match`` does not hold."""

    CODE, STATUS = "PreconditionFailed", 412


class TooManyRequests(EmulatorError):
    """Injected throttling (management-plane flavour)."""

    CODE, STATUS = "TooManyRequests", 429


class ServerBusy(EmulatorError):
    """Injected throttling (Batch flavour, 503)."""

    CODE, STATUS = "ServerBusy", 503


class InternalServerError(EmulatorError):
    """Injected server error."""

    CODE, STATUS = "InternalServerError", 500


class JobNotFound(EmulatorError):
    """Raised by the data plane when the job does not exist."""

    CODE, STATUS = "JobNotFound", 404


class TaskNotFound(EmulatorError):
    """Raised by the data plane when the task does not exist in the job."""

    CODE, STATUS = "TaskNotFound", 404


class JobExists(EmulatorError):
    """Raised when a job with that id already exists in the account."""

    CODE, STATUS = "JobExists", 409


class TaskExists(EmulatorError):
    """Raised when a task with that id already exists in the job."""

    CODE, STATUS = "TaskExists", 409
