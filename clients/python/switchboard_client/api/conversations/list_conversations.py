from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.conversation_page import ConversationPage
from ...models.conversation_status import ConversationStatus
from ...models.error_body import ErrorBody
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: ConversationStatus | Unset = UNSET,
    assignee: str | Unset = UNSET,
    channel: str | Unset = UNSET,
    team: int | Unset = UNSET,
    label: str | Unset = UNSET,
    contact: int | Unset = UNSET,
    q: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params["assignee"] = assignee

    params["channel"] = channel

    params["team"] = team

    params["label"] = label

    params["contact"] = contact

    params["q"] = q

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/conversations",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ConversationPage | ErrorBody | None:
    if response.status_code == 200:
        response_200 = ConversationPage.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ConversationPage | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: ConversationStatus | Unset = UNSET,
    assignee: str | Unset = UNSET,
    channel: str | Unset = UNSET,
    team: int | Unset = UNSET,
    label: str | Unset = UNSET,
    contact: int | Unset = UNSET,
    q: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[ConversationPage | ErrorBody]:
    """`GET /api/v1/conversations`

    Args:
        status (ConversationStatus | Unset):
        assignee (str | Unset):
        channel (str | Unset):
        team (int | Unset):
        label (str | Unset):
        contact (int | Unset):
        q (str | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConversationPage | ErrorBody]
    """

    kwargs = _get_kwargs(
        status=status,
        assignee=assignee,
        channel=channel,
        team=team,
        label=label,
        contact=contact,
        q=q,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    status: ConversationStatus | Unset = UNSET,
    assignee: str | Unset = UNSET,
    channel: str | Unset = UNSET,
    team: int | Unset = UNSET,
    label: str | Unset = UNSET,
    contact: int | Unset = UNSET,
    q: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> ConversationPage | ErrorBody | None:
    """`GET /api/v1/conversations`

    Args:
        status (ConversationStatus | Unset):
        assignee (str | Unset):
        channel (str | Unset):
        team (int | Unset):
        label (str | Unset):
        contact (int | Unset):
        q (str | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConversationPage | ErrorBody
    """

    return sync_detailed(
        client=client,
        status=status,
        assignee=assignee,
        channel=channel,
        team=team,
        label=label,
        contact=contact,
        q=q,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: ConversationStatus | Unset = UNSET,
    assignee: str | Unset = UNSET,
    channel: str | Unset = UNSET,
    team: int | Unset = UNSET,
    label: str | Unset = UNSET,
    contact: int | Unset = UNSET,
    q: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[ConversationPage | ErrorBody]:
    """`GET /api/v1/conversations`

    Args:
        status (ConversationStatus | Unset):
        assignee (str | Unset):
        channel (str | Unset):
        team (int | Unset):
        label (str | Unset):
        contact (int | Unset):
        q (str | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConversationPage | ErrorBody]
    """

    kwargs = _get_kwargs(
        status=status,
        assignee=assignee,
        channel=channel,
        team=team,
        label=label,
        contact=contact,
        q=q,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: ConversationStatus | Unset = UNSET,
    assignee: str | Unset = UNSET,
    channel: str | Unset = UNSET,
    team: int | Unset = UNSET,
    label: str | Unset = UNSET,
    contact: int | Unset = UNSET,
    q: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> ConversationPage | ErrorBody | None:
    """`GET /api/v1/conversations`

    Args:
        status (ConversationStatus | Unset):
        assignee (str | Unset):
        channel (str | Unset):
        team (int | Unset):
        label (str | Unset):
        contact (int | Unset):
        q (str | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConversationPage | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            assignee=assignee,
            channel=channel,
            team=team,
            label=label,
            contact=contact,
            q=q,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
