from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ActionSnoozeUntilOpen")


@_attrs_define
class ActionSnoozeUntilOpen:
    """Snooze until the conversation's business hours open next (no-op when open).

    Attributes:
        snooze_until_open (bool): Snooze until the conversation's business hours open next (no-op when open).
    """

    snooze_until_open: bool

    def to_dict(self) -> dict[str, Any]:
        snooze_until_open = self.snooze_until_open

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "snooze_until_open": snooze_until_open,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        snooze_until_open = d.pop("snooze_until_open")

        action_snooze_until_open = cls(
            snooze_until_open=snooze_until_open,
        )

        return action_snooze_until_open
