"""From a Request to a Response: authentication, fault injection, api-version, routing and error shapes."""

from __future__ import annotations

import sys
import traceback
import uuid
from urllib.parse import unquote

from azure_batch_emulator import dataplane, management
from azure_batch_emulator.auth import TokenRule
from azure_batch_emulator.errors import (
    EmulatorError,
    InternalServerError,
    InvalidApiVersionParameter,
    InvalidQueryParameterValue,
    InvalidUri,
    MissingApiVersionParameter,
    UnsupportedHttpVerb,
    UnsupportedMediaType,
)
from azure_batch_emulator.faults import DROP
from azure_batch_emulator.routes import ADMIN, DATAPLANE, MANAGEMENT, ROUTES, Route, plane_of
from azure_batch_emulator.wire import Context, Request, Response

DATAPLANE_CONTENT_TYPE = "application/json;odata=minimalmetadata"


class Dispatcher:
    """Serves requests against one backend; never raises (unexpected errors become a 500 in Azure's shape)."""

    def __init__(self, context: Context, token: TokenRule) -> None:
        self.context = context
        self.token = token

    def handle(self, request: Request) -> Response | str:
        """The response, or DROP when an injected fault says to close the connection without one."""
        plane = plane_of(request.path)
        try:
            self.token.authenticate(request.header("Authorization"))
            route, params = self._match(request)
            plane = route.plane
            self._check_content_type(request)
            if plane != ADMIN:
                fault = self.context.state.faults.apply()
                if fault == DROP:
                    return DROP
                if isinstance(fault, EmulatorError):
                    raise fault
                self._check_api_version(plane, request)
                self.token.authorize(self._subscription(plane, params))
            response = route.handler(self.context, request, params)
        except EmulatorError as error:
            response = error_response(plane, error)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = error_response(plane, InternalServerError("The emulator hit an unexpected error."))
        return self._decorate(plane, request, response)

    def _match(self, request: Request) -> tuple[Route, dict[str, str]]:
        """The route for the request's method and path; the other methods' routes are tried only to tell
        405 from 404."""
        for route in ROUTES:
            if route.method != request.method:
                continue
            found = route.pattern.fullmatch(request.path)
            if found is not None:
                return route, {key: unquote(value) for key, value in found.groupdict().items()}
        if any(route.pattern.fullmatch(request.path) for route in ROUTES):
            raise UnsupportedHttpVerb(
                f"The HTTP method '{request.method[:16]}' is not supported for this resource."
            )
        raise InvalidUri("The requested URI does not represent any resource on the server.")

    @staticmethod
    def _check_content_type(request: Request) -> None:
        declared = (request.header("Content-Type") or "application/json").split(";", 1)[0].strip().lower()
        if request.body and declared != "application/json":
            raise UnsupportedMediaType(
                f"The content media type '{declared[:64]}' is not supported. "
                "Only 'application/json' is supported."
            )

    def _check_api_version(self, plane: str, request: Request) -> None:
        version = request.query.get("api-version")
        supported = management.API_VERSIONS if plane == MANAGEMENT else dataplane.API_VERSIONS
        if version in supported:
            return
        if plane == DATAPLANE:
            raise InvalidQueryParameterValue(
                f"The value for the query parameter 'api-version' is invalid: use {', '.join(supported)}.",
                details=[
                    {"code": "QueryParameterName", "message": "api-version"},
                    {"code": "QueryParameterValue", "message": (version or "")[:64]},
                ],
            )
        if version is None:
            raise MissingApiVersionParameter("The api-version query parameter (?api-version=) is required.")
        raise InvalidApiVersionParameter(
            f"The api-version '{version[:64]}' is invalid. "
            f"The supported versions are '{','.join(supported)}'."
        )

    def _subscription(self, plane: str, params: dict[str, str]) -> str:
        if plane == MANAGEMENT:
            return params["subscription"]
        subscription: str = self.context.state.account_by_name(params["account"]).subscription_id
        return subscription

    @staticmethod
    def _decorate(plane: str, request: Request, response: Response) -> Response:
        request_id = str(uuid.uuid4())
        if plane == DATAPLANE:
            response.headers.setdefault("request-id", request_id)
            client_id = request.header("client-request-id")
            if client_id:
                response.headers["client-request-id"] = client_id[:64]
            if response.body is not None:
                response.headers.setdefault("Content-Type", DATAPLANE_CONTENT_TYPE)
        else:
            response.headers.setdefault("x-ms-request-id", request_id)
            response.headers.setdefault("x-ms-correlation-request-id", request_id)
        return response


def error_response(plane: str, error: EmulatorError) -> Response:
    """An error in the plane's shape with its status and headers (e.g. Retry-After)."""
    body = error.dataplane_body() if plane == DATAPLANE else error.management_body()
    headers = dict(error.headers)
    if plane == MANAGEMENT:
        headers.setdefault("x-ms-failure-cause", "gateway" if error.STATUS in (401, 403) else "service")
    return Response(error.STATUS, body, headers)
