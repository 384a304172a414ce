from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.routing_policy import RoutingPolicy

if TYPE_CHECKING:
    from ..models.conversation_view import ConversationView


T = TypeVar("T", bound="QueueEntryView")


@_attrs_define
class QueueEntryView:
    """One waiting conversation in `GET /api/v1/queue`.

    Attributes:
        conversation (ConversationView): A conversation.
        policy (RoutingPolicy):
        position (int): 1 is the next conversation the router assigns.
    """

    conversation: ConversationView
    policy: RoutingPolicy
    position: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversation = self.conversation.to_dict()

        policy = self.policy.value

        position = self.position

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversation": conversation,
                "policy": policy,
                "position": position,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.conversation_view import ConversationView  # noqa: PLC0415

        d = dict(src_dict)
        conversation = ConversationView.from_dict(d.pop("conversation"))

        policy = RoutingPolicy(d.pop("policy"))

        position = d.pop("position")

        queue_entry_view = cls(
            conversation=conversation,
            policy=policy,
            position=position,
        )

        queue_entry_view.additional_properties = d
        return queue_entry_view

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
