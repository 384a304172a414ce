from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.automation_webhook_conversation import AutomationWebhookConversation


T = TypeVar("T", bound="AutomationWebhookData")


@_attrs_define
class AutomationWebhookData:
    """`data` of `automation.webhook`: a rule's `webhook` action, for event-webhook subscribers.

    Attributes:
        conversation (AutomationWebhookConversation): The conversation an `automation.webhook` event is about.
        name (str): The name the action gave (`{ webhook = "<name>" }`).
        rule (str): The name of the rule.
    """

    conversation: AutomationWebhookConversation
    name: str
    rule: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversation = self.conversation.to_dict()

        name = self.name

        rule = self.rule

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversation": conversation,
                "name": name,
                "rule": rule,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.automation_webhook_conversation import AutomationWebhookConversation  # noqa: PLC0415

        d = dict(src_dict)
        conversation = AutomationWebhookConversation.from_dict(d.pop("conversation"))

        name = d.pop("name")

        rule = d.pop("rule")

        automation_webhook_data = cls(
            conversation=conversation,
            name=name,
            rule=rule,
        )

        automation_webhook_data.additional_properties = d
        return automation_webhook_data

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
