from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.merge_request import MergeRequest
from ...models.merge_result_view import MergeResultView
from ...types import Response


def _get_kwargs(
    id: int,
    *,
    body: MergeRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/contacts/{id}/merge".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | MergeResultView | None:
    if response.status_code == 200:
        response_200 = MergeResultView.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())

        return response_409

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
) -> Response[ErrorBody | MergeResultView]:
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
    body: MergeRequest,
) -> Response[ErrorBody | MergeResultView]:
    """`POST /api/v1/contacts/{id}/merge`: merges contact `from` into this one in one
    transaction. Identities, conversations (with their threads), campaign history and
    automatic-reply records move here; tags are united; attributes, name, email and phone this
    contact lacks are taken from the other (where both have a value this one's wins, the other's
    is kept in the merge); for each channel the most recent consent wins, but a withdrawal
    always survives. `from` stays as a pointer (`merged_into`). 409 when either contact is
    erased or merged already, or `from` is in a campaign still sending; 422 when `from` is no
    contact (or this one).

    Args:
        id (int):
        body (MergeRequest): Body of `POST /api/v1/contacts/{id}/merge`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | MergeResultView]
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
    body: MergeRequest,
) -> ErrorBody | MergeResultView | None:
    """`POST /api/v1/contacts/{id}/merge`: merges contact `from` into this one in one
    transaction. Identities, conversations (with their threads), campaign history and
    automatic-reply records move here; tags are united; attributes, name, email and phone this
    contact lacks are taken from the other (where both have a value this one's wins, the other's
    is kept in the merge); for each channel the most recent consent wins, but a withdrawal
    always survives. `from` stays as a pointer (`merged_into`). 409 when either contact is
    erased or merged already, or `from` is in a campaign still sending; 422 when `from` is no
    contact (or this one).

    Args:
        id (int):
        body (MergeRequest): Body of `POST /api/v1/contacts/{id}/merge`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | MergeResultView
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
    body: MergeRequest,
) -> Response[ErrorBody | MergeResultView]:
    """`POST /api/v1/contacts/{id}/merge`: merges contact `from` into this one in one
    transaction. Identities, conversations (with their threads), campaign history and
    automatic-reply records move here; tags are united; attributes, name, email and phone this
    contact lacks are taken from the other (where both have a value this one's wins, the other's
    is kept in the merge); for each channel the most recent consent wins, but a withdrawal
    always survives. `from` stays as a pointer (`merged_into`). 409 when either contact is
    erased or merged already, or `from` is in a campaign still sending; 422 when `from` is no
    contact (or this one).

    Args:
        id (int):
        body (MergeRequest): Body of `POST /api/v1/contacts/{id}/merge`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | MergeResultView]
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
    body: MergeRequest,
) -> ErrorBody | MergeResultView | None:
    """`POST /api/v1/contacts/{id}/merge`: merges contact `from` into this one in one
    transaction. Identities, conversations (with their threads), campaign history and
    automatic-reply records move here; tags are united; attributes, name, email and phone this
    contact lacks are taken from the other (where both have a value this one's wins, the other's
    is kept in the merge); for each channel the most recent consent wins, but a withdrawal
    always survives. `from` stays as a pointer (`merged_into`). 409 when either contact is
    erased or merged already, or `from` is in a campaign still sending; 422 when `from` is no
    contact (or this one).

    Args:
        id (int):
        body (MergeRequest): Body of `POST /api/v1/contacts/{id}/merge`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | MergeResultView
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
        )
    ).parsed
