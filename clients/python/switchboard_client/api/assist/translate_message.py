from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.translate_request import TranslateRequest
from ...models.translation_view import TranslationView
from ...types import Response


def _get_kwargs(
    id: int,
    *,
    body: TranslateRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/messages/{id}/translation".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | TranslationView | None:
    if response.status_code == 200:
        response_200 = TranslationView.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = TranslationView.from_dict(response.json())

        return response_201

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

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ErrorBody.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = ErrorBody.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

    if response.status_code == 502:
        response_502 = ErrorBody.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | TranslationView]:
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
    body: TranslateRequest,
) -> Response[ErrorBody | TranslationView]:
    """`POST /api/v1/messages/{id}/translation`: the model translates a customer's message into
    `language`, the caller's own language or the installation's, and the translation is kept
    beside the original
    (`message.translated`). An existing translation into that language is answered as it is
    (200); a new one is 201. Only customer messages are translated (422 for the others); the
    same refusals as the other assist features.

    Args:
        id (int):
        body (TranslateRequest): Body of a translation request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | TranslationView]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: int,
    *,
    client: AuthenticatedClient,
    body: TranslateRequest,
) -> ErrorBody | TranslationView | None:
    """`POST /api/v1/messages/{id}/translation`: the model translates a customer's message into
    `language`, the caller's own language or the installation's, and the translation is kept
    beside the original
    (`message.translated`). An existing translation into that language is answered as it is
    (200); a new one is 201. Only customer messages are translated (422 for the others); the
    same refusals as the other assist features.

    Args:
        id (int):
        body (TranslateRequest): Body of a translation request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | TranslationView
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    id: int,
    *,
    client: AuthenticatedClient,
    body: TranslateRequest,
) -> Response[ErrorBody | TranslationView]:
    """`POST /api/v1/messages/{id}/translation`: the model translates a customer's message into
    `language`, the caller's own language or the installation's, and the translation is kept
    beside the original
    (`message.translated`). An existing translation into that language is answered as it is
    (200); a new one is 201. Only customer messages are translated (422 for the others); the
    same refusals as the other assist features.

    Args:
        id (int):
        body (TranslateRequest): Body of a translation request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | TranslationView]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: int,
    *,
    client: AuthenticatedClient,
    body: TranslateRequest,
) -> ErrorBody | TranslationView | None:
    """`POST /api/v1/messages/{id}/translation`: the model translates a customer's message into
    `language`, the caller's own language or the installation's, and the translation is kept
    beside the original
    (`message.translated`). An existing translation into that language is answered as it is
    (200); a new one is 201. Only customer messages are translated (422 for the others); the
    same refusals as the other assist features.

    Args:
        id (int):
        body (TranslateRequest): Body of a translation request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | TranslationView
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
        )
    ).parsed
