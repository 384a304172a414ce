from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ReactionView")


@_attrs_define
class ReactionView:
    """One person's emoji reaction to a message.

    Attributes:
        at (datetime.datetime):
        emoji (str):
        scope (str): Who reacted: the identity scope and the channel's id of the person.
        sender (str):
    """

    at: datetime.datetime
    emoji: str
    scope: str
    sender: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        emoji = self.emoji

        scope = self.scope

        sender = self.sender

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "emoji": emoji,
                "scope": scope,
                "sender": sender,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        emoji = d.pop("emoji")

        scope = d.pop("scope")

        sender = d.pop("sender")

        reaction_view = cls(
            at=at,
            emoji=emoji,
            scope=scope,
            sender=sender,
        )

        reaction_view.additional_properties = d
        return reaction_view

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
