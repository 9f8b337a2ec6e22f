"""A FastAPI route for the hot path: a JSON body read by its model straight from the bytes.

FastAPI serves a route through its dependency solver: it reads the body, ``json.loads`` it,
validates the Python objects, gathers every parameter, then calls the endpoint — on
``POST /credentials/verify`` that machinery cost more than the verification itself (issue
13's profile: a third of a request). :class:`LeanJsonRoute` serves an endpoint whose only
parameters are its JSON body model and the ``Request`` by validating the bytes with the
model's own JSON parser (pydantic-core, one pass) and calling the endpoint directly.

It changes nothing a client can see: any request it is not sure about — a content type that
is not JSON, an empty body, a body the model refuses, JSON pydantic's parser declines —
goes to FastAPI's own handler, which answers exactly as it always has (its 422 problem,
its locations, its JSON error positions). The route is still an ordinary ``APIRoute`` to
FastAPI, so the OpenAPI document describes it from the endpoint's signature as before.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

import fastapi.routing
from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from oretrust.api.content_type import reads_as_json

__all__ = ["LeanJsonRoute"]

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class LeanJsonRoute(APIRoute):
    """An ``APIRoute`` for ``async def endpoint(body: Model, request: Request) -> Response``
    (see the module), as ``APIRouter(route_class=LeanJsonRoute)``. A route of another shape
    — more parameters, dependencies (its own, or an including router's), a sync endpoint —
    is served by FastAPI's handler alone, so nothing is ever skipped."""

    def get_route_handler(self) -> Handler:
        """FastAPI's handler, fronted by the lean reading of a well-formed JSON body — for
        an endpoint of the lean shape; FastAPI's handler alone for any other."""
        full = super().get_route_handler()
        shape = self._lean_shape()
        if shape is None:
            return full
        model, body_name, request_name = shape
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            if not reads_as_json(request.headers.get("content-type")):
                return await full(request)
            raw = await request.body()  # kept by the request: FastAPI's handler reuses it
            try:
                body = model.model_validate_json(raw) if raw else None
            except ValidationError:
                body = None
            if body is None:
                return await full(request)
            answer: Response = await endpoint(**{body_name: body, request_name: request})
            return answer

        return handler

    def _lean_shape(self) -> tuple[type[BaseModel], str, str] | None:
        """The body model and the names of the two parameters; None for an endpoint of
        another shape (more parameters, dependencies — its own or an including router's —,
        an embedded body, a sync endpoint)."""
        dependant = self._served_dependant()
        others = (
            dependant.path_params,
            dependant.query_params,
            dependant.header_params,
            dependant.cookie_params,
            dependant.dependencies,
        )
        if len(dependant.body_params) != 1:
            return None
        body = dependant.body_params[0]
        model = body.field_info.annotation
        if (
            any(others)
            or getattr(body.field_info, "embed", False)  # {"name": body}: not this shape
            or not isinstance(model, type)
            or not issubclass(model, BaseModel)
            or dependant.request_param_name is None
            or not inspect.iscoroutinefunction(self.endpoint)
        ):
            return None
        return model, body.name, dependant.request_param_name

    def _served_dependant(self) -> Dependant:
        """What FastAPI serves this route with: the context of the router including it
        (FastAPI builds one per ``include_router``, merging that router's dependencies, and
        asks the original route for its handler inside it), else the route's own."""
        context_var = getattr(fastapi.routing, "_effective_route_context_var", None)
        context = context_var.get() if context_var is not None else None
        if context is not None and getattr(context, "original_route", None) is self:
            served: Dependant = context.dependant
            return served
        return self.dependant
