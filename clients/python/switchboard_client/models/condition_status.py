from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.conversation_status import ConversationStatus

T = TypeVar("T", bound="ConditionStatus")


@_attrs_define
class ConditionStatus:
    """
    Attributes:
        status (ConversationStatus):
    """

    status: ConversationStatus

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = ConversationStatus(d.pop("status"))

        condition_status = cls(
            status=status,
        )

        return condition_status
