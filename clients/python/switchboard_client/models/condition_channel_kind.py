from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.channel_kind import ChannelKind

T = TypeVar("T", bound="ConditionChannelKind")


@_attrs_define
class ConditionChannelKind:
    """
    Attributes:
        channel_kind (ChannelKind): The kinds of channel Switchboard speaks, as written in `[[channels]] kind = "…"`.
    """

    channel_kind: ChannelKind

    def to_dict(self) -> dict[str, Any]:
        channel_kind = self.channel_kind.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "channel_kind": channel_kind,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel_kind = ChannelKind(d.pop("channel_kind"))

        condition_channel_kind = cls(
            channel_kind=channel_kind,
        )

        return condition_channel_kind
