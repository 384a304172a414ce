import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_page import AuditPage
from ...models.error_body import ErrorBody
from ...models.list_audit_action import ListAuditAction
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    actor: int | Unset = UNSET,
    action: ListAuditAction | Unset = UNSET,
    subject: str | Unset = UNSET,
    contact: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    format_: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["actor"] = actor

    json_action: str | Unset = UNSET
    if not isinstance(action, Unset):
        json_action = action.value

    params["action"] = json_action

    params["subject"] = subject

    params["contact"] = contact

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until

    params["format"] = format_

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/audit",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AuditPage | ErrorBody | None:
    if response.status_code == 200:
        response_200 = AuditPage.from_dict(response.json())

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
) -> Response[AuditPage | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    actor: int | Unset = UNSET,
    action: ListAuditAction | Unset = UNSET,
    subject: str | Unset = UNSET,
    contact: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    format_: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[AuditPage | ErrorBody]:
    """`GET /api/v1/audit`: who viewed or changed what, newest first.

    Args:
        actor (int | Unset):
        action (ListAuditAction | Unset):
        subject (str | Unset):
        contact (int | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        format_ (str | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | ErrorBody]
    """

    kwargs = _get_kwargs(
        actor=actor,
        action=action,
        subject=subject,
        contact=contact,
        since=since,
        until=until,
        format_=format_,
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
    actor: int | Unset = UNSET,
    action: ListAuditAction | Unset = UNSET,
    subject: str | Unset = UNSET,
    contact: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    format_: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> AuditPage | ErrorBody | None:
    """`GET /api/v1/audit`: who viewed or changed what, newest first.

    Args:
        actor (int | Unset):
        action (ListAuditAction | Unset):
        subject (str | Unset):
        contact (int | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        format_ (str | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | ErrorBody
    """

    return sync_detailed(
        client=client,
        actor=actor,
        action=action,
        subject=subject,
        contact=contact,
        since=since,
        until=until,
        format_=format_,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    actor: int | Unset = UNSET,
    action: ListAuditAction | Unset = UNSET,
    subject: str | Unset = UNSET,
    contact: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    format_: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> Response[AuditPage | ErrorBody]:
    """`GET /api/v1/audit`: who viewed or changed what, newest first.

    Args:
        actor (int | Unset):
        action (ListAuditAction | Unset):
        subject (str | Unset):
        contact (int | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        format_ (str | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditPage | ErrorBody]
    """

    kwargs = _get_kwargs(
        actor=actor,
        action=action,
        subject=subject,
        contact=contact,
        since=since,
        until=until,
        format_=format_,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    actor: int | Unset = UNSET,
    action: ListAuditAction | Unset = UNSET,
    subject: str | Unset = UNSET,
    contact: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    format_: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
) -> AuditPage | ErrorBody | None:
    """`GET /api/v1/audit`: who viewed or changed what, newest first.

    Args:
        actor (int | Unset):
        action (ListAuditAction | Unset):
        subject (str | Unset):
        contact (int | Unset):
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        format_ (str | Unset):
        cursor (str | Unset): The `next_cursor` of the previous page; omit it for the first page.
        limit (int | Unset): Items per page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditPage | ErrorBody
    """

    return (
        await asyncio_detailed(
            client=client,
            actor=actor,
            action=action,
            subject=subject,
            contact=contact,
            since=since,
            until=until,
            format_=format_,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
