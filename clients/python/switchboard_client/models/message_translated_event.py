from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.message_translated_event_kind import MessageTranslatedEventKind

if TYPE_CHECKING:
    from ..models.message_translated_data import MessageTranslatedData


T = TypeVar("T", bound="MessageTranslatedEvent")


@_attrs_define
class MessageTranslatedEvent:
    """A `message.translated` event, as the event stream sends it; `data` is a `MessageTranslatedData`.

    Attributes:
        agent_id (int | None):
        contact_id (None): Always `null` for this kind.
        conversation_id (int): A conversation; also shown to customers as its ticket number.
        created_at (datetime.datetime):
        data (MessageTranslatedData): `data` of `message.translated`: agent assist stored a translation of the message
            (read it
            from `GET /api/v1/conversations/{id}/translations`; the text is not in the event).
        id (int):
        kind (MessageTranslatedEventKind):
        message_id (int): A message, note or activity in a conversation.
    """

    agent_id: int | None
    contact_id: None
    conversation_id: int
    created_at: datetime.datetime
    data: MessageTranslatedData
    id: int
    kind: MessageTranslatedEventKind
    message_id: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        agent_id: int | None
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

        id = d.pop("id")

        kind = MessageTranslatedEventKind(d.pop("kind"))

        message_id = d.pop("message_id")

        message_translated_event = cls(
            agent_id=agent_id,
            contact_id=contact_id,
            conversation_id=conversation_id,
            created_at=created_at,
            data=data,
            id=id,
            kind=kind,
            message_id=message_id,
        )

        message_translated_event.additional_properties = d
        return message_translated_event

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
