from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.text_cost import TextCost
from ...models.text_cost_request import TextCostRequest
from ...types import Response


def _get_kwargs(
    name: str,
    *,
    body: TextCostRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/channels/{name}/text-cost".format(
            name=quote(str(name), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | TextCost | None:
    if response.status_code == 200:
        response_200 = TextCost.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | TextCost]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: TextCostRequest,
) -> Response[ErrorBody | TextCost]:
    """`POST /api/v1/channels/{name}/text-cost`: the encoding (`gsm7` or `ucs2`) and number of
    segments a text goes out as on an SMS channel, after the channel's transliteration; so
    agents and marketers see what a message costs before sending it. 404 for a channel that
    is not an SMS channel (none of that name bills per segment).

    Args:
        name (str):
        body (TextCostRequest): Body of `POST /api/v1/channels/{name}/text-cost`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | TextCost]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
    body: TextCostRequest,
) -> ErrorBody | TextCost | None:
    """`POST /api/v1/channels/{name}/text-cost`: the encoding (`gsm7` or `ucs2`) and number of
    segments a text goes out as on an SMS channel, after the channel's transliteration; so
    agents and marketers see what a message costs before sending it. 404 for a channel that
    is not an SMS channel (none of that name bills per segment).

    Args:
        name (str):
        body (TextCostRequest): Body of `POST /api/v1/channels/{name}/text-cost`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | TextCost
    """

    return sync_detailed(
        name=name,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: TextCostRequest,
) -> Response[ErrorBody | TextCost]:
    """`POST /api/v1/channels/{name}/text-cost`: the encoding (`gsm7` or `ucs2`) and number of
    segments a text goes out as on an SMS channel, after the channel's transliteration; so
    agents and marketers see what a message costs before sending it. 404 for a channel that
    is not an SMS channel (none of that name bills per segment).

    Args:
        name (str):
        body (TextCostRequest): Body of `POST /api/v1/channels/{name}/text-cost`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | TextCost]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
    body: TextCostRequest,
) -> ErrorBody | TextCost | None:
    """`POST /api/v1/channels/{name}/text-cost`: the encoding (`gsm7` or `ucs2`) and number of
    segments a text goes out as on an SMS channel, after the channel's transliteration; so
    agents and marketers see what a message costs before sending it. 404 for a channel that
    is not an SMS channel (none of that name bills per segment).

    Args:
        name (str):
        body (TextCostRequest): Body of `POST /api/v1/channels/{name}/text-cost`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | TextCost
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            body=body,
        )
    ).parsed
