import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.summary_view import SummaryView
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    timezone: str | Unset = UNSET,
    group_by: str | Unset = UNSET,
    business_hours: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until

    params["timezone"] = timezone

    params["group_by"] = group_by

    params["business_hours"] = business_hours

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/reports/summary",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | SummaryView | None:
    if response.status_code == 200:
        response_200 = SummaryView.from_dict(response.json())

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
) -> Response[ErrorBody | SummaryView]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    timezone: str | Unset = UNSET,
    group_by: str | Unset = UNSET,
    business_hours: bool | Unset = UNSET,
) -> Response[ErrorBody | SummaryView]:
    """`GET /api/v1/reports/summary`: every metric over the period, beside the period of equal
    length before it.

    Args:
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        timezone (str | Unset):
        group_by (str | Unset):
        business_hours (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | SummaryView]
    """

    kwargs = _get_kwargs(
        since=since,
        until=until,
        timezone=timezone,
        group_by=group_by,
        business_hours=business_hours,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    timezone: str | Unset = UNSET,
    group_by: str | Unset = UNSET,
    business_hours: bool | Unset = UNSET,
) -> ErrorBody | SummaryView | None:
    """`GET /api/v1/reports/summary`: every metric over the period, beside the period of equal
    length before it.

    Args:
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        timezone (str | Unset):
        group_by (str | Unset):
        business_hours (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | SummaryView
    """

    return sync_detailed(
        client=client,
        since=since,
        until=until,
        timezone=timezone,
        group_by=group_by,
        business_hours=business_hours,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    timezone: str | Unset = UNSET,
    group_by: str | Unset = UNSET,
    business_hours: bool | Unset = UNSET,
) -> Response[ErrorBody | SummaryView]:
    """`GET /api/v1/reports/summary`: every metric over the period, beside the period of equal
    length before it.

    Args:
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        timezone (str | Unset):
        group_by (str | Unset):
        business_hours (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | SummaryView]
    """

    kwargs = _get_kwargs(
        since=since,
        until=until,
        timezone=timezone,
        group_by=group_by,
        business_hours=business_hours,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    timezone: str | Unset = UNSET,
    group_by: str | Unset = UNSET,
    business_hours: bool | Unset = UNSET,
) -> ErrorBody | SummaryView | None:
    """`GET /api/v1/reports/summary`: every metric over the period, beside the period of equal
    length before it.

    Args:
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        timezone (str | Unset):
        group_by (str | Unset):
        business_hours (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | SummaryView
    """

    return (
        await asyncio_detailed(
            client=client,
            since=since,
            until=until,
            timezone=timezone,
            group_by=group_by,
            business_hours=business_hours,
        )
    ).parsed
