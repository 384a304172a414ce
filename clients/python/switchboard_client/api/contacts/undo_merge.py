from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.merge_result_view import MergeResultView
from ...types import Response


def _get_kwargs(
    merge_id: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/contacts/merges/{merge_id}/undo".format(
            merge_id=quote(str(merge_id), safe=""),
        ),
    }

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
    merge_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorBody | MergeResultView]:
    """`POST /api/v1/contacts/merges/{merge_id}/undo`: puts both contacts back as they were
    before the merge — identities, conversations, campaign history, and what the survivor
    gained (unless changed since). Conversations that arrived since through the identities
    going back go with them. 409 when undone already, when the survivor was merged on into a
    third contact (undo that first), or when either contact is erased.

    Args:
        merge_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | MergeResultView]
    """

    kwargs = _get_kwargs(
        merge_id=merge_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    merge_id: int,
    *,
    client: AuthenticatedClient,
) -> ErrorBody | MergeResultView | None:
    """`POST /api/v1/contacts/merges/{merge_id}/undo`: puts both contacts back as they were
    before the merge — identities, conversations, campaign history, and what the survivor
    gained (unless changed since). Conversations that arrived since through the identities
    going back go with them. 409 when undone already, when the survivor was merged on into a
    third contact (undo that first), or when either contact is erased.

    Args:
        merge_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | MergeResultView
    """

    return sync_detailed(
        merge_id=merge_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    merge_id: int,
    *,
    client: AuthenticatedClient,
) -> Response[ErrorBody | MergeResultView]:
    """`POST /api/v1/contacts/merges/{merge_id}/undo`: puts both contacts back as they were
    before the merge — identities, conversations, campaign history, and what the survivor
    gained (unless changed since). Conversations that arrived since through the identities
    going back go with them. 409 when undone already, when the survivor was merged on into a
    third contact (undo that first), or when either contact is erased.

    Args:
        merge_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | MergeResultView]
    """

    kwargs = _get_kwargs(
        merge_id=merge_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    merge_id: int,
    *,
    client: AuthenticatedClient,
) -> ErrorBody | MergeResultView | None:
    """`POST /api/v1/contacts/merges/{merge_id}/undo`: puts both contacts back as they were
    before the merge — identities, conversations, campaign history, and what the survivor
    gained (unless changed since). Conversations that arrived since through the identities
    going back go with them. 409 when undone already, when the survivor was merged on into a
    third contact (undo that first), or when either contact is erased.

    Args:
        merge_id (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | MergeResultView
    """

    return (
        await asyncio_detailed(
            merge_id=merge_id,
            client=client,
        )
    ).parsed
