from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ContactMergeUndoneData")


@_attrs_define
class ContactMergeUndoneData:
    """`data` of `contact.merge_undone`: merge `merge_id` was undone, and contact `from` (the
    event's contact) has its identities and conversations back from `into`.

        Attributes:
            conversations (int): Conversations that went back to `from`, those that arrived since through its
                identities included.
            from_ (int): The contact restored.
            into (int): The contact it had been merged into.
            merge_id (int): The merge undone.
    """

    conversations: int
    from_: int
    into: int
    merge_id: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversations = self.conversations

        from_ = self.from_

        into = self.into

        merge_id = self.merge_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversations": conversations,
                "from": from_,
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

        into = d.pop("into")

        merge_id = d.pop("merge_id")

        contact_merge_undone_data = cls(
            conversations=conversations,
            from_=from_,
            into=into,
            merge_id=merge_id,
        )

        contact_merge_undone_data.additional_properties = d
        return contact_merge_undone_data

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
