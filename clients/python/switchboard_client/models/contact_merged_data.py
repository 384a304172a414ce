from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ContactMergedData")


@_attrs_define
class ContactMergedData:
    """`data` of `contact.merged`: contact `from` was merged into `into` (the event's contact),
    which now holds its identities and conversations (`POST /api/v1/contacts/{id}/merge`).
    Integrations keyed by contact id should follow `from` to `into`.

        Attributes:
            conversations (int): Conversations moved to `into`.
            from_ (int): The contact merged away; it stays as a pointer to `into`.
            identities (int): Identities moved to `into`.
            into (int): The survivor.
            merge_id (int): The merge (`POST /api/v1/contacts/merges/{merge_id}/undo` takes it back).
    """

    conversations: int
    from_: int
    identities: int
    into: int
    merge_id: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversations = self.conversations

        from_ = self.from_

        identities = self.identities

        into = self.into

        merge_id = self.merge_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversations": conversations,
                "from": from_,
                "identities": identities,
                "into": into,
                "merge_id": merge_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        conversations = d.pop("conversations")

        from_ = d.pop("from")

        identities = d.pop("identities")

        into = d.pop("into")

        merge_id = d.pop("merge_id")

        contact_merged_data = cls(
            conversations=conversations,
            from_=from_,
            identities=identities,
            into=into,
            merge_id=merge_id,
        )

        contact_merged_data.additional_properties = d
        return contact_merged_data

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
