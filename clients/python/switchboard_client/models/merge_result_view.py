from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.contact_view import ContactView
    from ..models.merge_view import MergeView


T = TypeVar("T", bound="MergeResultView")


@_attrs_define
class MergeResultView:
    """A merge or its undo, with both contacts as they are after it.

    Attributes:
        from_ (ContactView): A contact with every identity.
        into (ContactView): A contact with every identity.
        merge (MergeView): One merge of contact `from` into contact `into`.
    """

    from_: ContactView
    into: ContactView
    merge: MergeView
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_.to_dict()

        into = self.into.to_dict()

        merge = self.merge.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from": from_,
                "into": into,
                "merge": merge,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contact_view import ContactView  # noqa: PLC0415
        from ..models.merge_view import MergeView  # noqa: PLC0415

        d = dict(src_dict)
        from_ = ContactView.from_dict(d.pop("from"))

        into = ContactView.from_dict(d.pop("into"))

        merge = MergeView.from_dict(d.pop("merge"))

        merge_result_view = cls(
            from_=from_,
            into=into,
            merge=merge,
        )

        merge_result_view.additional_properties = d
        return merge_result_view

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
