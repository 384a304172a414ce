from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.direction import Direction
from ..models.message_kind import MessageKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="MessageCreatedData")


@_attrs_define
class MessageCreatedData:
    """`data` of `message.created`: a message, private note or activity line was added.

    Attributes:
        channel (str): The name of the conversation's channel (`[[channels]] name`).
        direction (Direction):
        kind (MessageKind):
        csat_comment (bool | Unset): Present (always `true`) on the comment a customer left with a survey answer.
    """

    channel: str
    direction: Direction
    kind: MessageKind
    csat_comment: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel

        direction = self.direction.value

        kind = self.kind.value

        csat_comment = self.csat_comment

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel": channel,
                "direction": direction,
                "kind": kind,
            }
        )
        if csat_comment is not UNSET:
            field_dict["csat_comment"] = csat_comment

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = d.pop("channel")

        direction = Direction(d.pop("direction"))

        kind = MessageKind(d.pop("kind"))

        csat_comment = d.pop("csat_comment", UNSET)

        message_created_data = cls(
            channel=channel,
            direction=direction,
            kind=kind,
            csat_comment=csat_comment,
        )

        message_created_data.additional_properties = d
        return message_created_data

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
