from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ActionType7")


@_attrs_define
class ActionType7:
    """Snooze for a span; a new customer message wakes the conversation earlier.

    Attributes:
        snooze_for (str): A span of time written as `90s`, `30m`, `4h`, `7d` or combinations like `1h30m`. Example: 30m.
    """

    snooze_for: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        snooze_for = self.snooze_for

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "snooze_for": snooze_for,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        snooze_for = d.pop("snooze_for")

        action_type_7 = cls(
            snooze_for=snooze_for,
        )

        action_type_7.additional_properties = d
        return action_type_7

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
