from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.contact_view import ContactView
    from ..models.duplicate_reason import DuplicateReason


T = TypeVar("T", bound="DuplicateView")


@_attrs_define
class DuplicateView:
    """Another contact that is probably the same person.

    Attributes:
        contact (ContactView): A contact with every identity.
        reasons (list[DuplicateReason]):
    """

    contact: ContactView
    reasons: list[DuplicateReason]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        contact = self.contact.to_dict()

        reasons = []
        for reasons_item_data in self.reasons:
            reasons_item = reasons_item_data.to_dict()
            reasons.append(reasons_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "contact": contact,
                "reasons": reasons,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contact_view import ContactView  # noqa: PLC0415
        from ..models.duplicate_reason import DuplicateReason  # noqa: PLC0415

        d = dict(src_dict)
        contact = ContactView.from_dict(d.pop("contact"))

        reasons = []
        _reasons = d.pop("reasons")
        for reasons_item_data in _reasons:
            reasons_item = DuplicateReason.from_dict(reasons_item_data)

            reasons.append(reasons_item)

        duplicate_view = cls(
            contact=contact,
            reasons=reasons,
        )

        duplicate_view.additional_properties = d
        return duplicate_view

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
