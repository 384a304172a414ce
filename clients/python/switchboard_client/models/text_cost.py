from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TextCost")


@_attrs_define
class TextCost:
    """What a text costs on a channel that bills per segment (SMS): the encoding it needs and
    the number of segments it goes out as.

        Attributes:
            encoding (str): `gsm7` or `ucs2`.
            segments (int): Segments the text is sent and billed as (0 for an empty text).
            units (int): Septets (GSM-7) or UTF-16 units (UCS-2).
    """

    encoding: str
    segments: int
    units: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        encoding = self.encoding

        segments = self.segments

        units = self.units

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "encoding": encoding,
                "segments": segments,
                "units": units,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        encoding = d.pop("encoding")

        segments = d.pop("segments")

        units = d.pop("units")

        text_cost = cls(
            encoding=encoding,
            segments=segments,
            units=units,
        )

        text_cost.additional_properties = d
        return text_cost

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
