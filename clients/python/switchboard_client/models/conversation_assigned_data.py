from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.assignment_reason import AssignmentReason
from ..models.routing_policy import RoutingPolicy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.conversation_assigned_side import ConversationAssignedSide


T = TypeVar("T", bound="ConversationAssignedData")


@_attrs_define
class ConversationAssignedData:
    """`data` of `conversation.assigned`: the assignee or the team changed. An agent or a rule
    assigned it (no `reason` or `policy`), an agent took it from the queue (`reason: taken`),
    the router gave it out (`policy`), or its agent went offline (`reason: agent went offline`).

        Attributes:
            from_ (ConversationAssignedSide): One side of an assignment change.
            to (ConversationAssignedSide): One side of an assignment change.
            policy (RoutingPolicy | Unset):
            reason (AssignmentReason | Unset): Why a conversation changed hands without an assignment.
    """

    from_: ConversationAssignedSide
    to: ConversationAssignedSide
    policy: RoutingPolicy | Unset = UNSET
    reason: AssignmentReason | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_.to_dict()

        to = self.to.to_dict()

        policy: str | Unset = UNSET
        if not isinstance(self.policy, Unset):
            policy = self.policy.value

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
        if policy is not UNSET:
            field_dict["policy"] = policy
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.conversation_assigned_side import ConversationAssignedSide  # noqa: PLC0415

        d = dict(src_dict)
        from_ = ConversationAssignedSide.from_dict(d.pop("from"))

        to = ConversationAssignedSide.from_dict(d.pop("to"))

        _policy = d.pop("policy", UNSET)
        policy: RoutingPolicy | Unset
        if isinstance(_policy, Unset):
            policy = UNSET
        else:
            policy = RoutingPolicy(_policy)

        _reason = d.pop("reason", UNSET)
        reason: AssignmentReason | Unset
        if isinstance(_reason, Unset):
            reason = UNSET
        else:
            reason = AssignmentReason(_reason)

        conversation_assigned_data = cls(
            from_=from_,
            to=to,
            policy=policy,
            reason=reason,
        )

        conversation_assigned_data.additional_properties = d
        return conversation_assigned_data

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
