from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.campaign_view import CampaignView
from ...models.create_campaign_request_type_0 import CreateCampaignRequestType0
from ...models.create_campaign_request_type_1 import CreateCampaignRequestType1
from ...models.error_body import ErrorBody
from ...types import Response


def _get_kwargs(
    id: int,
    *,
    body: CreateCampaignRequestType0 | CreateCampaignRequestType1,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/campaigns/{id}".format(
            id=quote(str(id), safe=""),
        ),
    }

    if isinstance(body, CreateCampaignRequestType0):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CampaignView | ErrorBody | None:
    if response.status_code == 200:
        response_200 = CampaignView.from_dict(response.json())

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
) -> Response[CampaignView | ErrorBody]:
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
    body: CreateCampaignRequestType0 | CreateCampaignRequestType1,
) -> Response[CampaignView | ErrorBody]:
    """`PUT /api/v1/campaigns/{id}`: replaces a draft's definition (the body of create, checked
    the same way). Only a draft: once started, its audience and messages are in the ledger and
    partly sent, so an edit is a conflict (409); cancel it and create another instead.

    Args:
        id (int):
        body (CreateCampaignRequestType0 | CreateCampaignRequestType1): Body of `POST
            /api/v1/campaigns` and `PUT /api/v1/campaigns/{id}`; `campaign create` reads
            files of the same shape. Both become a [`CampaignDefinition`] through its one validation.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CampaignView | ErrorBody]
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
    body: CreateCampaignRequestType0 | CreateCampaignRequestType1,
) -> CampaignView | ErrorBody | None:
    """`PUT /api/v1/campaigns/{id}`: replaces a draft's definition (the body of create, checked
    the same way). Only a draft: once started, its audience and messages are in the ledger and
    partly sent, so an edit is a conflict (409); cancel it and create another instead.

    Args:
        id (int):
        body (CreateCampaignRequestType0 | CreateCampaignRequestType1): Body of `POST
            /api/v1/campaigns` and `PUT /api/v1/campaigns/{id}`; `campaign create` reads
            files of the same shape. Both become a [`CampaignDefinition`] through its one validation.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CampaignView | ErrorBody
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
    body: CreateCampaignRequestType0 | CreateCampaignRequestType1,
) -> Response[CampaignView | ErrorBody]:
    """`PUT /api/v1/campaigns/{id}`: replaces a draft's definition (the body of create, checked
    the same way). Only a draft: once started, its audience and messages are in the ledger and
    partly sent, so an edit is a conflict (409); cancel it and create another instead.

    Args:
        id (int):
        body (CreateCampaignRequestType0 | CreateCampaignRequestType1): Body of `POST
            /api/v1/campaigns` and `PUT /api/v1/campaigns/{id}`; `campaign create` reads
            files of the same shape. Both become a [`CampaignDefinition`] through its one validation.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CampaignView | ErrorBody]
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
    body: CreateCampaignRequestType0 | CreateCampaignRequestType1,
) -> CampaignView | ErrorBody | None:
    """`PUT /api/v1/campaigns/{id}`: replaces a draft's definition (the body of create, checked
    the same way). Only a draft: once started, its audience and messages are in the ledger and
    partly sent, so an edit is a conflict (409); cancel it and create another instead.

    Args:
        id (int):
        body (CreateCampaignRequestType0 | CreateCampaignRequestType1): Body of `POST
            /api/v1/campaigns` and `PUT /api/v1/campaigns/{id}`; `campaign create` reads
            files of the same shape. Both become a [`CampaignDefinition`] through its one validation.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CampaignView | ErrorBody
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
        )
    ).parsed
