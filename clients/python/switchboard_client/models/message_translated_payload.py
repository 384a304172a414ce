from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.message_translated_payload_kind import MessageTranslatedPayloadKind

if TYPE_CHECKING:
    from ..models.message_translated_data import MessageTranslatedData


T = TypeVar("T", bound="MessageTranslatedPayload")


@_attrs_define
class MessageTranslatedPayload:
    """The body of a `message.translated` event webhook delivery: the event as the stream sends it
    (`MessageTranslatedEvent`) plus `delivery_id`, which retries and replays keep.

        Attributes:
            agent_id (int | None):
            contact_id (None): Always `null` for this kind.
            conversation_id (int): A conversation; also shown to customers as its ticket number.
            created_at (datetime.datetime):
            data (MessageTranslatedData): `data` of `message.translated`: agent assist stored a translation of the message
                (read it
                from `GET /api/v1/conversations/{id}/translations`; the text is not in the event).
            delivery_id (int): One event's delivery to one webhook subscription.
            id (int):
            kind (MessageTranslatedPayloadKind):
            message_id (int): A message, note or activity in a conversation.
    """

    agent_id: int | None
    contact_id: None
    conversation_id: int
    created_at: datetime.datetime
    data: MessageTranslatedData
    delivery_id: int
    id: int
    kind: MessageTranslatedPayloadKind
    message_id: int
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
        from ..models.message_translated_data import MessageTranslatedData  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_agent_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        agent_id = _parse_agent_id(d.pop("agent_id"))

        contact_id = d.pop("contact_id")

        conversation_id = d.pop("conversation_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        data = MessageTranslatedData.from_dict(d.pop("data"))

        delivery_id = d.pop("delivery_id")

        id = d.pop("id")

        kind = MessageTranslatedPayloadKind(d.pop("kind"))

        message_id = d.pop("message_id")

        message_translated_payload = cls(
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

        message_translated_payload.additional_properties = d
        return message_translated_payload

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
