from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DuplicateReason")


@_attrs_define
class DuplicateReason:
    """Why another contact is suggested: the address both hold.

    Attributes:
        kind (str): `email` (the same address, any letter case), `mailbox` (an address that differs only
            in dots or a `+tag` at a provider that ignores both, `[contacts] mailbox_domains`; the
            value is the mailbox), `phone` (the same number in E.164) or `web_chat_user` (the same
            signed-in user of the website, on another chat channel).
        value (str): The shared address.
    """

    kind: str
    value: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind

        value = self.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        kind = d.pop("kind")

        value = d.pop("value")

        duplicate_reason = cls(
            kind=kind,
            value=value,
        )

        duplicate_reason.additional_properties = d
        return duplicate_reason

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
