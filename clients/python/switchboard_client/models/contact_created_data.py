from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.contact_created_source import ContactCreatedSource
from ..types import UNSET, Unset

T = TypeVar("T", bound="ContactCreatedData")


@_attrs_define
class ContactCreatedData:
    """`data` of `contact.created`: `channel` when a first message created the contact, `source`
    when the API or an import did.

        Attributes:
            channel (str | Unset): The name of the channel whose message created the contact.
            source (ContactCreatedSource | Unset): What created a contact, besides a message.
    """

    channel: str | Unset = UNSET
    source: ContactCreatedSource | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel

        source: str | Unset = UNSET
        if not isinstance(self.source, Unset):
            source = self.source.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if channel is not UNSET:
            field_dict["channel"] = channel
        if source is not UNSET:
            field_dict["source"] = source

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = d.pop("channel", UNSET)

        _source = d.pop("source", UNSET)
        source: ContactCreatedSource | Unset
        if isinstance(_source, Unset):
            source = UNSET
        else:
            source = ContactCreatedSource(_source)

        contact_created_data = cls(
            channel=channel,
            source=source,
        )

        contact_created_data.additional_properties = d
        return contact_created_data

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
