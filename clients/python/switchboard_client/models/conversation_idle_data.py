from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ConversationIdleData")


@_attrs_define
class ConversationIdleData:
    """`data` of `conversation.idle`: nothing happened in the conversation for a rule's
    `idle_for`.

        Attributes:
            idle_ms (int): The rule's `idle_for`, in milliseconds.
            last_activity_at (datetime.datetime): The conversation's last activity.
            rule (str): The name of the rule whose idle timer fired.
    """

    idle_ms: int
    last_activity_at: datetime.datetime
    rule: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        idle_ms = self.idle_ms

        last_activity_at = self.last_activity_at.isoformat()

        rule = self.rule

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "idle_ms": idle_ms,
                "last_activity_at": last_activity_at,
                "rule": rule,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        idle_ms = d.pop("idle_ms")

        last_activity_at = datetime.datetime.fromisoformat(d.pop("last_activity_at"))

        rule = d.pop("rule")

        conversation_idle_data = cls(
            idle_ms=idle_ms,
            last_activity_at=last_activity_at,
            rule=rule,
        )

        conversation_idle_data.additional_properties = d
        return conversation_idle_data

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
