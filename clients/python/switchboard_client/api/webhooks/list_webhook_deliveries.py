from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.webhook_delivery_page import WebhookDeliveryPage
from ...models.webhook_delivery_state import WebhookDeliveryState
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: int,
    *,
    state: WebhookDeliveryState | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_state: str | Unset = UNSET
    if not isinstance(state, Unset):
        json_state = state.value

    params["state"] = json_state

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/webhooks/{id}/deliveries".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | WebhookDeliveryPage | None:
    if response.status_code == 200:
        response_200 = WebhookDeliveryPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | WebhookDeliveryPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: int,
    *,
    client: AuthenticatedClient,
    state: WebhookDeliveryState | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[ErrorBody | WebhookDeliveryPage]:
    """`GET /api/v1/webhooks/{id}/deliveries`: the delivery log, newest first, with each attempt's
    status code and error.

    Args:
        id (int):
        state (WebhookDeliveryState | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | WebhookDeliveryPage]
    """

    kwargs = _get_kwargs(
        id=id,
        state=state,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: int,
    *,
    client: AuthenticatedClient,
    state: WebhookDeliveryState | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> ErrorBody | WebhookDeliveryPage | None:
    """`GET /api/v1/webhooks/{id}/deliveries`: the delivery log, newest first, with each attempt's
    status code and error.

    Args:
        id (int):
        state (WebhookDeliveryState | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | WebhookDeliveryPage
    """

    return sync_detailed(
        id=id,
        client=client,
        state=state,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    id: int,
    *,
    client: AuthenticatedClient,
    state: WebhookDeliveryState | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[ErrorBody | WebhookDeliveryPage]:
    """`GET /api/v1/webhooks/{id}/deliveries`: the delivery log, newest first, with each attempt's
    status code and error.

    Args:
        id (int):
        state (WebhookDeliveryState | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | WebhookDeliveryPage]
    """

    kwargs = _get_kwargs(
        id=id,
        state=state,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: int,
    *,
    client: AuthenticatedClient,
    state: WebhookDeliveryState | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> ErrorBody | WebhookDeliveryPage | None:
    """`GET /api/v1/webhooks/{id}/deliveries`: the delivery log, newest first, with each attempt's
    status code and error.

    Args:
        id (int):
        state (WebhookDeliveryState | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | WebhookDeliveryPage
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            state=state,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
