from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.contact_updated_source import ContactUpdatedSource
from ..types import UNSET, Unset

T = TypeVar("T", bound="ContactUpdatedData")


@_attrs_define
class ContactUpdatedData:
    """`data` of `contact.updated`: empty after `PATCH /api/v1/contacts/{id}`; `source` after a
    CSV import matched the contact.

        Attributes:
            source (ContactUpdatedSource | Unset): What updated a contact, besides the API.
    """

    source: ContactUpdatedSource | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        source: str | Unset = UNSET
        if not isinstance(self.source, Unset):
            source = self.source.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if source is not UNSET:
            field_dict["source"] = source

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _source = d.pop("source", UNSET)
        source: ContactUpdatedSource | Unset
        if isinstance(_source, Unset):
            source = UNSET
        else:
            source = ContactUpdatedSource(_source)

        contact_updated_data = cls(
            source=source,
        )

        contact_updated_data.additional_properties = d
        return contact_updated_data

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
