from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.heartbeat_request import HeartbeatRequest
from ...types import Response


def _get_kwargs(
    *,
    body: HeartbeatRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/presence/heartbeat",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | ErrorBody | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = ErrorBody.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = ErrorBody.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: HeartbeatRequest,
) -> Response[Any | ErrorBody]:
    """`POST /api/v1/presence/heartbeat`: the inbox is open (send every 15–30 s). Sets the
    caller's availability as asked; when heartbeats stop for 90 s the agent is set `offline`,
    so the router never assigns to someone who closed the inbox.

    Args:
        body (HeartbeatRequest): Body of `POST /api/v1/presence/heartbeat`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: HeartbeatRequest,
) -> Any | ErrorBody | None:
    """`POST /api/v1/presence/heartbeat`: the inbox is open (send every 15–30 s). Sets the
    caller's availability as asked; when heartbeats stop for 90 s the agent is set `offline`,
    so the router never assigns to someone who closed the inbox.

    Args:
        body (HeartbeatRequest): Body of `POST /api/v1/presence/heartbeat`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: HeartbeatRequest,
) -> Response[Any | ErrorBody]:
    """`POST /api/v1/presence/heartbeat`: the inbox is open (send every 15–30 s). Sets the
    caller's availability as asked; when heartbeats stop for 90 s the agent is set `offline`,
    so the router never assigns to someone who closed the inbox.

    Args:
        body (HeartbeatRequest): Body of `POST /api/v1/presence/heartbeat`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: HeartbeatRequest,
) -> Any | ErrorBody | None:
    """`POST /api/v1/presence/heartbeat`: the inbox is open (send every 15–30 s). Sets the
    caller's availability as asked; when heartbeats stop for 90 s the agent is set `offline`,
    so the router never assigns to someone who closed the inbox.

    Args:
        body (HeartbeatRequest): Body of `POST /api/v1/presence/heartbeat`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
