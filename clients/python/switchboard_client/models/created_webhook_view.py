from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CreatedWebhookView")


@_attrs_define
class CreatedWebhookView:
    """A new subscription: the signing secret is shown this once.

    Attributes:
        active (bool): Paused subscriptions get no deliveries for events that happen meanwhile.
        created_at (datetime.datetime):
        events (list[str]): Event names, or `["*"]` for every event.
        id (int): An integrator's outbound event webhook subscription.
        secret (str): The HMAC-SHA256 key of `X-Switchboard-Signature`.
        updated_at (datetime.datetime):
        url (str):
    """

    active: bool
    created_at: datetime.datetime
    events: list[str]
    id: int
    secret: str
    updated_at: datetime.datetime
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active = self.active

        created_at = self.created_at.isoformat()

        events = self.events

        id = self.id

        secret = self.secret

        updated_at = self.updated_at.isoformat()

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active": active,
                "created_at": created_at,
                "events": events,
                "id": id,
                "secret": secret,
                "updated_at": updated_at,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        active = d.pop("active")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        events = cast(list[str], d.pop("events"))

        id = d.pop("id")

        secret = d.pop("secret")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        url = d.pop("url")

        created_webhook_view = cls(
            active=active,
            created_at=created_at,
            events=events,
            id=id,
            secret=secret,
            updated_at=updated_at,
            url=url,
        )

        created_webhook_view.additional_properties = d
        return created_webhook_view

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
