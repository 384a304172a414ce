from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.csat_answer_request import CsatAnswerRequest
from ...models.csat_answer_view import CsatAnswerView
from ...models.error_body import ErrorBody
from ...types import Response


def _get_kwargs(
    token: str,
    *,
    body: CsatAnswerRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/csat/{token}/answer".format(
            token=quote(str(token), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CsatAnswerView | ErrorBody | None:
    if response.status_code == 200:
        response_200 = CsatAnswerView.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 410:
        response_410 = ErrorBody.from_dict(response.json())

        return response_410

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
) -> Response[CsatAnswerView | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    token: str,
    *,
    client: AuthenticatedClient,
    body: CsatAnswerRequest,
) -> Response[CsatAnswerView | ErrorBody]:
    """`POST /csat/{token}/answer`

     Files the answer to a satisfaction survey, as a webhook channel's integrator renders it
    from the outbound message's `csat_request` (`answer_url` + `/answer`). The token is the
    authority: no bearer token. A later answer replaces the earlier one.

    Args:
        token (str):
        body (CsatAnswerRequest): Body of `POST /csat/{token}/answer`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CsatAnswerView | ErrorBody]
    """

    kwargs = _get_kwargs(
        token=token,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    token: str,
    *,
    client: AuthenticatedClient,
    body: CsatAnswerRequest,
) -> CsatAnswerView | ErrorBody | None:
    """`POST /csat/{token}/answer`

     Files the answer to a satisfaction survey, as a webhook channel's integrator renders it
    from the outbound message's `csat_request` (`answer_url` + `/answer`). The token is the
    authority: no bearer token. A later answer replaces the earlier one.

    Args:
        token (str):
        body (CsatAnswerRequest): Body of `POST /csat/{token}/answer`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CsatAnswerView | ErrorBody
    """

    return sync_detailed(
        token=token,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    token: str,
    *,
    client: AuthenticatedClient,
    body: CsatAnswerRequest,
) -> Response[CsatAnswerView | ErrorBody]:
    """`POST /csat/{token}/answer`

     Files the answer to a satisfaction survey, as a webhook channel's integrator renders it
    from the outbound message's `csat_request` (`answer_url` + `/answer`). The token is the
    authority: no bearer token. A later answer replaces the earlier one.

    Args:
        token (str):
        body (CsatAnswerRequest): Body of `POST /csat/{token}/answer`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CsatAnswerView | ErrorBody]
    """

    kwargs = _get_kwargs(
        token=token,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    token: str,
    *,
    client: AuthenticatedClient,
    body: CsatAnswerRequest,
) -> CsatAnswerView | ErrorBody | None:
    """`POST /csat/{token}/answer`

     Files the answer to a satisfaction survey, as a webhook channel's integrator renders it
    from the outbound message's `csat_request` (`answer_url` + `/answer`). The token is the
    authority: no bearer token. A later answer replaces the earlier one.

    Args:
        token (str):
        body (CsatAnswerRequest): Body of `POST /csat/{token}/answer`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CsatAnswerView | ErrorBody
    """

    return (
        await asyncio_detailed(
            token=token,
            client=client,
            body=body,
        )
    ).parsed
