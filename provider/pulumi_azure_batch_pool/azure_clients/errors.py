"""Typed exceptions raised by the provider, and parsing of Azure error bodies.

Every exception the provider raises on purpose derives from ``BatchPoolError``, so callers can tell
"Azure said no" from "the provider has a bug". The tree (azure-core's split between "no usable
response" and "a response with an error status", in httpx's style)::

    BatchPoolError
      ├─ ConfigurationError          stack config / environment is unusable (names the key and the fix)
      ├─ RequestError                no usable response (method, url, status_code when one came)
      │    ├─ ConnectionFailedError    refused, reset, closed without an answer, host not found
      │    │    └─ ProxyError             the proxy could not be reached (names it and its variable)
      │    │         ├─ ProxyAuthenticationError   the proxy answered 407
      │    │         └─ ProxyTunnelError           the proxy refused the CONNECT tunnel
      │    ├─ RequestTimeoutError      no answer within the request timeout
      │    ├─ TlsError                 TLS handshake failed (https to a plain-http endpoint, bad cert)
      │    └─ MalformedResponseError   a body that is not JSON, cut short, HTML, or not HTTP at all
      ├─ HttpResponseError           status_code, code, message, target, details, method, url
      │    ├─ NotFoundError            404
      │    ├─ ConflictError            409
      │    │    └─ PoolAlreadyExistsError   create found a pool of that name (points to adoptExisting)
      │    ├─ PreconditionFailedError  412 (If-Match / If-None-Match)
      │    ├─ AuthenticationError      401 / 403
      │    ├─ ThrottledError           429 after retries
      │    └─ ServiceError             5xx after retries
      ├─ OperationFailedError        a long-running operation ended failed
      ├─ OperationTimeoutError       a wait exceeded its deadline
      └─ ProvisioningError           pool / extension failures after create (structured ``failures``)

Messages never contain request bodies, headers or query strings (other than ``api-version``), so a
secret sent to Azure cannot leak through an exception into Pulumi's output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from pulumi_azure_batch_pool.azure_clients.transport import Response

_SAFE_QUERY_KEYS = frozenset({"api-version"})


class BatchPoolError(Exception):
    """Base class of every error the provider raises deliberately."""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by state: subclasses take keyword-only arguments that ``Exception`` cannot replay."""
        return _restore, (type(self), self.args, self.__dict__)


def _restore(cls: type[BatchPoolError], args: tuple[Any, ...], state: dict[str, Any]) -> BatchPoolError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigurationError(BatchPoolError, ValueError):
    """Raised when stack config or the environment cannot produce working settings or credentials."""


class RequestError(BatchPoolError):
    """Raised when no usable response arrived: connection/read failure, timeout or retries exhausted.

    ``method`` and ``url`` (query redacted) say which request; ``status_code`` is set when an answer
    came but could not be used (a cut or non-JSON body).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.status_code = status_code


class ConnectionFailedError(RequestError):
    """Raised when the connection was refused, reset or closed without an answer, or the host is unknown."""


class ProxyError(ConnectionFailedError):
    """Raised when the HTTP proxy could not be reached; the message names the proxy (credentials masked)
    and the stack config key or environment variable that chose it."""


class ProxyAuthenticationError(ProxyError):
    """Raised when the proxy answered 407: it wants credentials, or refused those in its URL."""


class ProxyTunnelError(ProxyError):
    """Raised when the proxy refused the CONNECT tunnel an https request needs (403, 502, ...)."""


class RequestTimeoutError(RequestError):
    """Raised when no answer arrived within the request timeout (``batchpool:requestTimeoutSeconds``)."""


class TlsError(RequestError):
    """Raised when the TLS handshake failed: https to a plain-http endpoint, or an untrusted certificate."""


class MalformedResponseError(RequestError, ValueError):
    """Raised for an answer that cannot be used: not JSON, cut short, an HTML page, or not HTTP at all.

    A ``ValueError`` too, so code that parses bodies with ``except ValueError`` keeps working.
    """


class HttpResponseError(BatchPoolError):
    """Raised for a 4xx/5xx response; carries Azure's error code, message, target and details."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.target = target
        self.details = details or []
        self.method = method
        self.url = url
        super().__init__(self._render())

    def _render(self) -> str:
        """Render like azure-core: ``(Code) message [Detail: value]`` plus where the request went."""
        text = f"({self.code}) {self.message}" if self.code else self.message
        pairs = [
            f"{detail.get('code')}: {detail.get('message')}"
            for detail in self.details
            if detail.get("code") or detail.get("message")
        ]
        if pairs:
            text += " [" + "; ".join(pairs) + "]"
        if self.target:
            text += f" (target: {self.target})"
        where = f"{self.method} {urlsplit(self.url).path}" if self.method and self.url else "request"
        return f"{text}\nHTTP {self.status_code} from {where}"


class NotFoundError(HttpResponseError):
    """Raised on 404: the pool, account or node does not exist."""


class ConflictError(HttpResponseError):
    """Raised on 409, e.g. ``PoolBeingDeleted`` when writing to a pool that is being deleted."""


class PoolAlreadyExistsError(ConflictError):
    """Raised when create finds an existing pool of the same name (create never overwrites one)."""


class PreconditionFailedError(HttpResponseError):
    """Raised on 412: the ETag in ``If-Match`` is stale, or ``If-None-Match: *`` met an existing pool."""


class AuthenticationError(HttpResponseError):
    """Raised on 401/403: the credential is missing, expired or lacks a role on the resource."""


class ThrottledError(HttpResponseError):
    """Raised on 429 once the retry budget or the deadline is exhausted."""


class ServiceError(HttpResponseError):
    """Raised on 5xx once the retry budget or the deadline is exhausted."""


class OperationFailedError(BatchPoolError):
    """Raised when a long-running operation (pool delete) ends in failure."""


class OperationTimeoutError(BatchPoolError):
    """Raised when a wait (allocation, nodes, delete) passes its deadline; raise timeoutMinutes to wait."""


class ProvisioningError(BatchPoolError):
    """Raised when a pool or its extensions fail after create; ``failures`` holds one dict per failure."""

    def __init__(self, message: str, *, failures: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.failures = failures


_STATUS_CLASSES: dict[int, type[HttpResponseError]] = {
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    429: ThrottledError,
}


def redact_url(url: str) -> str:
    """Drop every query parameter except ``api-version`` (SAS tokens and skip tokens stay out of logs)."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() in _SAFE_QUERY_KEYS])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _error_class(status_code: int) -> type[HttpResponseError]:
    if status_code >= 500:
        return ServiceError
    return _STATUS_CLASSES.get(status_code, HttpResponseError)


def _parse_body(resp: Response) -> dict[str, Any]:
    """Normalise ARM ``CloudError`` and Batch ``BatchError`` bodies to ``code/message/target/details``."""
    try:
        body = resp.json()
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    if isinstance(body.get("error"), dict):
        error = body["error"]
        return {
            "code": error.get("code"),
            "message": error.get("message"),
            "target": error.get("target"),
            "details": [d for d in error.get("details") or [] if isinstance(d, dict)],
        }
    message = body.get("message")
    if isinstance(message, dict):
        message = message.get("value")
    values = body.get("values") or []
    return {
        "code": body.get("code"),
        "message": message,
        "target": None,
        "details": [{"code": v.get("key"), "message": v.get("value")} for v in values if isinstance(v, dict)],
    }


def error_from_response(resp: Response) -> HttpResponseError:
    """Build the typed error for a 4xx/5xx response from either Azure error shape.

    The class follows the status (404 → NotFoundError, 5xx → ServiceError, ...); the message falls
    back to the HTTP reason when the body is not an Azure error (with a hint when it is something else,
    such as a proxy's HTML page). Request bodies are never included.
    """
    parsed = _parse_body(resp)
    message = parsed.get("message") or _foreign_body_message(resp, bool(parsed))
    method = resp.method
    return _error_class(resp.status_code)(
        str(message),
        status_code=resp.status_code,
        code=parsed.get("code"),
        target=parsed.get("target"),
        details=parsed.get("details"),
        method=method,
        url=redact_url(resp.url) if resp.url else None,
    )


def _foreign_body_message(resp: Response, azure_shaped: bool) -> str:
    """The reason phrase, plus where to look when the body is not an Azure error (a proxy's page)."""
    reason = resp.reason or "HTTP error"
    if azure_shaped or not resp.content.strip():
        return reason
    kind = resp.headers.get("Content-Type") or "no Content-Type"
    return (
        f"{reason}; the answer is not an Azure error ({kind}): a proxy or a wrong endpoint answered. "
        "Check batchpool:armEndpoint and any HTTP proxy in the way."
    )
