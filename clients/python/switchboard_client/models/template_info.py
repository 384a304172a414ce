from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TemplateInfo")


@_attrs_define
class TemplateInfo:
    """A template and the variants it has, for the API and the inbox's picker.

    Attributes:
        locales (list[str]): Locales that have at least one variant; the default locale is always listed.
        name (str):
        variants (list[str]): Variant names without extension (`ack`, `ack.cs`, `ack.email.cs.html`), sorted.
    """

    locales: list[str]
    name: str
    variants: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        locales = self.locales

        name = self.name

        variants = self.variants

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "locales": locales,
                "name": name,
                "variants": variants,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        locales = cast(list[str], d.pop("locales"))

        name = d.pop("name")

        variants = cast(list[str], d.pop("variants"))

        template_info = cls(
            locales=locales,
            name=name,
            variants=variants,
        )

        template_info.additional_properties = d
        return template_info

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
