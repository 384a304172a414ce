from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.campaign_started_event_kind import CampaignStartedEventKind

if TYPE_CHECKING:
    from ..models.campaign_started_data import CampaignStartedData


T = TypeVar("T", bound="CampaignStartedEvent")


@_attrs_define
class CampaignStartedEvent:
    """A `campaign.started` event, as the event stream sends it; `data` is a `CampaignStartedData`.

    Attributes:
        agent_id (None): Always `null` for this kind.
        contact_id (None): Always `null` for this kind.
        conversation_id (None): Always `null` for this kind.
        created_at (datetime.datetime):
        data (CampaignStartedData): `data` of `campaign.started`: the worker planned a campaign's audience and began
            sending.
        id (int):
        kind (CampaignStartedEventKind):
        message_id (None): Always `null` for this kind.
    """

    agent_id: None
    contact_id: None
    conversation_id: None
    created_at: datetime.datetime
    data: CampaignStartedData
    id: int
    kind: CampaignStartedEventKind
    message_id: None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        agent_id = self.agent_id

        contact_id = self.contact_id

        conversation_id = self.conversation_id

        created_at = self.created_at.isoformat()

        data = self.data.to_dict()

        id = self.id

        kind = self.kind.value

        message_id = self.message_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "agent_id": agent_id,
                "contact_id": contact_id,
                "conversation_id": conversation_id,
                "created_at": created_at,
                "data": data,
                "id": id,
                "kind": kind,
                "message_id": message_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.campaign_started_data import CampaignStartedData  # noqa: PLC0415

        d = dict(src_dict)
        agent_id = d.pop("agent_id")

        contact_id = d.pop("contact_id")

        conversation_id = d.pop("conversation_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        data = CampaignStartedData.from_dict(d.pop("data"))

        id = d.pop("id")

        kind = CampaignStartedEventKind(d.pop("kind"))

        message_id = d.pop("message_id")

        campaign_started_event = cls(
            agent_id=agent_id,
            contact_id=contact_id,
            conversation_id=conversation_id,
            created_at=created_at,
            data=data,
            id=id,
            kind=kind,
            message_id=message_id,
        )

        campaign_started_event.additional_properties = d
        return campaign_started_event

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
