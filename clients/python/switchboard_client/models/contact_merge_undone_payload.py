from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.contact_merge_undone_payload_kind import ContactMergeUndonePayloadKind

if TYPE_CHECKING:
    from ..models.contact_merge_undone_data import ContactMergeUndoneData


T = TypeVar("T", bound="ContactMergeUndonePayload")


@_attrs_define
class ContactMergeUndonePayload:
    """The body of a `contact.merge_undone` event webhook delivery: the event as the stream sends it
    (`ContactMergeUndoneEvent`) plus `delivery_id`, which retries and replays keep.

        Attributes:
            agent_id (int | None):
            contact_id (int): A contact (a customer, across all their channels).
            conversation_id (None): Always `null` for this kind.
            created_at (datetime.datetime):
            data (ContactMergeUndoneData): `data` of `contact.merge_undone`: merge `merge_id` was undone, and contact `from`
                (the
                event's contact) has its identities and conversations back from `into`.
            delivery_id (int): One event's delivery to one webhook subscription.
            id (int):
            kind (ContactMergeUndonePayloadKind):
            message_id (None): Always `null` for this kind.
    """

    agent_id: int | None
    contact_id: int
    conversation_id: None
    created_at: datetime.datetime
    data: ContactMergeUndoneData
    delivery_id: int
    id: int
    kind: ContactMergeUndonePayloadKind
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
        from ..models.contact_merge_undone_data import ContactMergeUndoneData  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_agent_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        agent_id = _parse_agent_id(d.pop("agent_id"))

        contact_id = d.pop("contact_id")

        conversation_id = d.pop("conversation_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        data = ContactMergeUndoneData.from_dict(d.pop("data"))

        delivery_id = d.pop("delivery_id")

        id = d.pop("id")

        kind = ContactMergeUndonePayloadKind(d.pop("kind"))

        message_id = d.pop("message_id")

        contact_merge_undone_payload = cls(
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

        contact_merge_undone_payload.additional_properties = d
        return contact_merge_undone_payload

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
