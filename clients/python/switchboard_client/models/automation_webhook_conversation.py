from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.conversation_status import ConversationStatus
from ..models.priority import Priority

T = TypeVar("T", bound="AutomationWebhookConversation")


@_attrs_define
class AutomationWebhookConversation:
    """The conversation an `automation.webhook` event is about.

    Attributes:
        channel (str): The name of its channel.
        contact_id (int): A contact (a customer, across all their channels).
        id (int): A conversation; also shown to customers as its ticket number.
        labels (list[str]): Its labels, sorted.
        priority (Priority):
        status (ConversationStatus):
    """

    channel: str
    contact_id: int
    id: int
    labels: list[str]
    priority: Priority
    status: ConversationStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel

        contact_id = self.contact_id

        id = self.id

        labels = self.labels

        priority = self.priority.value

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel": channel,
                "contact_id": contact_id,
                "id": id,
                "labels": labels,
                "priority": priority,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = d.pop("channel")

        contact_id = d.pop("contact_id")

        id = d.pop("id")

        labels = cast(list[str], d.pop("labels"))

        priority = Priority(d.pop("priority"))

        status = ConversationStatus(d.pop("status"))

        automation_webhook_conversation = cls(
            channel=channel,
            contact_id=contact_id,
            id=id,
            labels=labels,
            priority=priority,
            status=status,
        )

        automation_webhook_conversation.additional_properties = d
        return automation_webhook_conversation

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
