from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TextTestValue")


@_attrs_define
class TextTestValue:
    """
    Attributes:
        value (str):
        ignore_case (bool | Unset):
        ignore_diacritics (bool | Unset):
    """

    value: str
    ignore_case: bool | Unset = UNSET
    ignore_diacritics: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        value = self.value

        ignore_case = self.ignore_case

        ignore_diacritics = self.ignore_diacritics

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "value": value,
            }
        )
        if ignore_case is not UNSET:
            field_dict["ignore_case"] = ignore_case
        if ignore_diacritics is not UNSET:
            field_dict["ignore_diacritics"] = ignore_diacritics

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        value = d.pop("value")

        ignore_case = d.pop("ignore_case", UNSET)

        ignore_diacritics = d.pop("ignore_diacritics", UNSET)

        text_test_value = cls(
            value=value,
            ignore_case=ignore_case,
            ignore_diacritics=ignore_diacritics,
        )

        text_test_value.additional_properties = d
        return text_test_value

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
