from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.conversation_status import ConversationStatus

T = TypeVar("T", bound="ActionSetStatus")


@_attrs_define
class ActionSetStatus:
    """`open`, `pending` or `resolved` (use `snooze_for` to snooze).

    Attributes:
        set_status (ConversationStatus):
    """

    set_status: ConversationStatus

    def to_dict(self) -> dict[str, Any]:
        set_status = self.set_status.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "set_status": set_status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        set_status = ConversationStatus(d.pop("set_status"))

        action_set_status = cls(
            set_status=set_status,
        )

        return action_set_status
