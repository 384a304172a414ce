from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.sla_breached_data_target import SlaBreachedDataTarget

T = TypeVar("T", bound="SlaBreachedData")


@_attrs_define
class SlaBreachedData:
    """`data` of `sla.breached`: a target of the conversation's SLA policy was missed.

    Attributes:
        due_at (datetime.datetime): When the target was due.
        policy (str): The name of the SLA policy (`[[sla]] name`).
        target (SlaBreachedDataTarget): The target missed.
    """

    due_at: datetime.datetime
    policy: str
    target: SlaBreachedDataTarget
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        due_at = self.due_at.isoformat()

        policy = self.policy

        target = self.target.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "due_at": due_at,
                "policy": policy,
                "target": target,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        due_at = datetime.datetime.fromisoformat(d.pop("due_at"))

        policy = d.pop("policy")

        target = SlaBreachedDataTarget(d.pop("target"))

        sla_breached_data = cls(
            due_at=due_at,
            policy=policy,
            target=target,
        )

        sla_breached_data.additional_properties = d
        return sla_breached_data

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
