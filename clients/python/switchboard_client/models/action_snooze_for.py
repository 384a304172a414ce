from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ActionSnoozeFor")


@_attrs_define
class ActionSnoozeFor:
    """Snooze for a span; a new customer message wakes the conversation earlier.

    Attributes:
        snooze_for (str): A span of time: numbers with units `s`, `m`, `h`, `d`, `w`, e.g. `30m`, `1h30m`.
    """

    snooze_for: str

    def to_dict(self) -> dict[str, Any]:
        snooze_for = self.snooze_for

        field_dict: dict[str, Any] = {}

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

        action_snooze_for = cls(
            snooze_for=snooze_for,
        )

        return action_snooze_for
