from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_status import DeliveryStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="DeliveryView")


@_attrs_define
class DeliveryView:
    """An outbound message's place in the outbox.

    Attributes:
        attempts (int):
        channel (str):
        conversation_id (int): A conversation; also shown to customers as its ticket number.
        message_id (int): A message, note or activity in a conversation.
        next_attempt_at (datetime.datetime):
        state (str): `pending`, `sent`, `failed` or `dead`.
        updated_at (datetime.datetime):
        delivery_status (DeliveryStatus | None | Unset):
        last_error (None | str | Unset):
    """

    attempts: int
    channel: str
    conversation_id: int
    message_id: int
    next_attempt_at: datetime.datetime
    state: str
    updated_at: datetime.datetime
    delivery_status: DeliveryStatus | None | Unset = UNSET
    last_error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        channel = self.channel

        conversation_id = self.conversation_id

        message_id = self.message_id

        next_attempt_at = self.next_attempt_at.isoformat()

        state = self.state

        updated_at = self.updated_at.isoformat()

        delivery_status: None | str | Unset
        if isinstance(self.delivery_status, Unset):
            delivery_status = UNSET
        elif isinstance(self.delivery_status, DeliveryStatus):
            delivery_status = self.delivery_status.value
        else:
            delivery_status = self.delivery_status

        last_error: None | str | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        else:
            last_error = self.last_error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "channel": channel,
                "conversation_id": conversation_id,
                "message_id": message_id,
                "next_attempt_at": next_attempt_at,
                "state": state,
                "updated_at": updated_at,
            }
        )
        if delivery_status is not UNSET:
            field_dict["delivery_status"] = delivery_status
        if last_error is not UNSET:
            field_dict["last_error"] = last_error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        channel = d.pop("channel")

        conversation_id = d.pop("conversation_id")

        message_id = d.pop("message_id")

        next_attempt_at = datetime.datetime.fromisoformat(d.pop("next_attempt_at"))

        state = d.pop("state")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_delivery_status(data: object) -> DeliveryStatus | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delivery_status_type_1 = DeliveryStatus(data)

                return delivery_status_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeliveryStatus | None | Unset, data)

        delivery_status = _parse_delivery_status(d.pop("delivery_status", UNSET))

        def _parse_last_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error = _parse_last_error(d.pop("last_error", UNSET))

        delivery_view = cls(
            attempts=attempts,
            channel=channel,
            conversation_id=conversation_id,
            message_id=message_id,
            next_attempt_at=next_attempt_at,
            state=state,
            updated_at=updated_at,
            delivery_status=delivery_status,
            last_error=last_error,
        )

        delivery_view.additional_properties = d
        return delivery_view

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
