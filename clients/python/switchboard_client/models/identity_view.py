from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="IdentityView")


@_attrs_define
class IdentityView:
    """One way of reaching a contact.

    Attributes:
        external_id (str):
        scope (str):
        unreachable_reason (None | str | Unset):
    """

    external_id: str
    scope: str
    unreachable_reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        external_id = self.external_id

        scope = self.scope

        unreachable_reason: None | str | Unset
        if isinstance(self.unreachable_reason, Unset):
            unreachable_reason = UNSET
        else:
            unreachable_reason = self.unreachable_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "external_id": external_id,
                "scope": scope,
            }
        )
        if unreachable_reason is not UNSET:
            field_dict["unreachable_reason"] = unreachable_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        external_id = d.pop("external_id")

        scope = d.pop("scope")

        def _parse_unreachable_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        unreachable_reason = _parse_unreachable_reason(d.pop("unreachable_reason", UNSET))

        identity_view = cls(
            external_id=external_id,
            scope=scope,
            unreachable_reason=unreachable_reason,
        )

        identity_view.additional_properties = d
        return identity_view

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
