from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ContactErasedData")


@_attrs_define
class ContactErasedData:
    """`data` of `contact.erased`: the contact's personal data was erased (`POST
    /api/v1/contacts/{id}/erase`); integrations that copied it should erase theirs. Carries no
    personal data: the contact is only its id now. Earlier events about the contact were
    scrubbed to their kind, ids and times (`data.erased` is `true` on them).

        Attributes:
            erasure_id (int): The erasure job (`GET /api/v1/erasures/{id}`).
            reason (str): Why, as the admin wrote it.
    """

    erasure_id: int
    reason: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        erasure_id = self.erasure_id

        reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "erasure_id": erasure_id,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        erasure_id = d.pop("erasure_id")

        reason = d.pop("reason")

        contact_erased_data = cls(
            erasure_id=erasure_id,
            reason=reason,
        )

        contact_erased_data.additional_properties = d
        return contact_erased_data

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
