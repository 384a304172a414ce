from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.conversation_status import ConversationStatus
from ..models.status_change_reason import StatusChangeReason
from ..types import UNSET, Unset

T = TypeVar("T", bound="ConversationStatusChangedData")


@_attrs_define
class ConversationStatusChangedData:
    """`data` of `conversation.status_changed`.

    Attributes:
        from_ (ConversationStatus):
        to (ConversationStatus):
        reason (StatusChangeReason | Unset): Why a conversation's status changed by itself.
    """

    from_: ConversationStatus
    to: ConversationStatus
    reason: StatusChangeReason | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_.value

        to = self.to.value

        reason: str | Unset = UNSET
        if not isinstance(self.reason, Unset):
            reason = self.reason.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "from": from_,
                "to": to,
            }
        )
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        from_ = ConversationStatus(d.pop("from"))

        to = ConversationStatus(d.pop("to"))

        _reason = d.pop("reason", UNSET)
        reason: StatusChangeReason | Unset
        if isinstance(_reason, Unset):
            reason = UNSET
        else:
            reason = StatusChangeReason(_reason)

        conversation_status_changed_data = cls(
            from_=from_,
            to=to,
            reason=reason,
        )

        conversation_status_changed_data.additional_properties = d
        return conversation_status_changed_data

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
