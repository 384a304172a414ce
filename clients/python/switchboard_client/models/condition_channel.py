from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ConditionChannel")


@_attrs_define
class ConditionChannel:
    """The configured channel name.

    Attributes:
        channel (str): The configured channel name.
    """

    channel: str

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "channel": channel,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = d.pop("channel")

        condition_channel = cls(
            channel=channel,
        )

        return condition_channel
