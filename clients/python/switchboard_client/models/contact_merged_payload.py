from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.contact_merged_payload_kind import ContactMergedPayloadKind

if TYPE_CHECKING:
    from ..models.contact_merged_data import ContactMergedData


T = TypeVar("T", bound="ContactMergedPayload")


@_attrs_define
class ContactMergedPayload:
    """The body of a `contact.merged` event webhook delivery: the event as the stream sends it (`ContactMergedEvent`) plus
    `delivery_id`, which retries and replays keep.

        Attributes:
            agent_id (int | None):
            contact_id (int): A contact (a customer, across all their channels).
            conversation_id (None): Always `null` for this kind.
            created_at (datetime.datetime):
            data (ContactMergedData): `data` of `contact.merged`: contact `from` was merged into `into` (the event's
                contact),
                which now holds its identities and conversations (`POST /api/v1/contacts/{id}/merge`).
                Integrations keyed by contact id should follow `from` to `into`.
            delivery_id (int): One event's delivery to one webhook subscription.
            id (int):
            kind (ContactMergedPayloadKind):
            message_id (None): Always `null` for this kind.
    """

    agent_id: int | None
    contact_id: int
    conversation_id: None
    created_at: datetime.datetime
    data: ContactMergedData
    delivery_id: int
    id: int
    kind: ContactMergedPayloadKind
    message_id: None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        agent_id: int | None
        agent_id = self.agent_id

        contact_id = self.contact_id

        conversation_id = self.conversation_id

        created_at = self.created_at.isoformat()

        data = self.data.to_dict()

        delivery_id = self.delivery_id

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
                "delivery_id": delivery_id,
                "id": id,
                "kind": kind,
                "message_id": message_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contact_merged_data import ContactMergedData  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_agent_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        agent_id = _parse_agent_id(d.pop("agent_id"))

        contact_id = d.pop("contact_id")

        conversation_id = d.pop("conversation_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        data = ContactMergedData.from_dict(d.pop("data"))

        delivery_id = d.pop("delivery_id")

        id = d.pop("id")

        kind = ContactMergedPayloadKind(d.pop("kind"))

        message_id = d.pop("message_id")

        contact_merged_payload = cls(
            agent_id=agent_id,
            contact_id=contact_id,
            conversation_id=conversation_id,
            created_at=created_at,
            data=data,
            delivery_id=delivery_id,
            id=id,
            kind=kind,
            message_id=message_id,
        )

        contact_merged_payload.additional_properties = d
        return contact_merged_payload

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
