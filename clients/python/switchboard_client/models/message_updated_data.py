from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_status import DeliveryStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="MessageUpdatedData")


@_attrs_define
class MessageUpdatedData:
    """`data` of `message.updated`: either the customer edited an inbound message (`edited`), or
    the delivery status of an outbound message changed (`delivery_status` and `error`).

        Attributes:
            delivery_status (DeliveryStatus | Unset):
            edited (bool | Unset): Present (always `true`) when the customer changed the text; the old text is kept as a
                revision.
            error (None | str | Unset): With `delivery_status`: why the delivery failed, or `null`.
            redacted (bool | Unset): Present (always `true`) when an agent redacted the message: its text now holds
                `[redacted]` and its revisions are gone. Fetch the message again; integrations that keep a copy should replace
                theirs.
    """

    delivery_status: DeliveryStatus | Unset = UNSET
    edited: bool | Unset = UNSET
    error: None | str | Unset = UNSET
    redacted: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        delivery_status: str | Unset = UNSET
        if not isinstance(self.delivery_status, Unset):
            delivery_status = self.delivery_status.value

        edited = self.edited

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        redacted = self.redacted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if delivery_status is not UNSET:
            field_dict["delivery_status"] = delivery_status
        if edited is not UNSET:
            field_dict["edited"] = edited
        if error is not UNSET:
            field_dict["error"] = error
        if redacted is not UNSET:
            field_dict["redacted"] = redacted

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _delivery_status = d.pop("delivery_status", UNSET)
        delivery_status: DeliveryStatus | Unset
        if isinstance(_delivery_status, Unset):
            delivery_status = UNSET
        else:
            delivery_status = DeliveryStatus(_delivery_status)

        edited = d.pop("edited", UNSET)

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        redacted = d.pop("redacted", UNSET)

        message_updated_data = cls(
            delivery_status=delivery_status,
            edited=edited,
            error=error,
            redacted=redacted,
        )

        message_updated_data.additional_properties = d
        return message_updated_data

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
