from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.routing_policy import RoutingPolicy

T = TypeVar("T", bound="ActionAssignPolicy")


@_attrs_define
class ActionAssignPolicy:
    """Route this conversation with a policy of its own.

    Attributes:
        assign_policy (RoutingPolicy):
    """

    assign_policy: RoutingPolicy

    def to_dict(self) -> dict[str, Any]:
        assign_policy = self.assign_policy.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "assign_policy": assign_policy,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        assign_policy = RoutingPolicy(d.pop("assign_policy"))

        action_assign_policy = cls(
            assign_policy=assign_policy,
        )

        return action_assign_policy
