from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.sla_status import SlaStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.sla_view_targets import SlaViewTargets


T = TypeVar("T", bound="SlaView")


@_attrs_define
class SlaView:
    """Where a conversation stands against its SLA policy.

    Attributes:
        policy (str):
        status (SlaStatus): Where a conversation stands against its SLA.
        targets (SlaViewTargets): Each target's clock (epoch milliseconds): due, at-risk, met and breached times.
        next_due_at (datetime.datetime | None | Unset): The earliest pending due time.
    """

    policy: str
    status: SlaStatus
    targets: SlaViewTargets
    next_due_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        policy = self.policy

        status = self.status.value

        targets = self.targets.to_dict()

        next_due_at: None | str | Unset
        if isinstance(self.next_due_at, Unset):
            next_due_at = UNSET
        elif isinstance(self.next_due_at, datetime.datetime):
            next_due_at = self.next_due_at.isoformat()
        else:
            next_due_at = self.next_due_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "policy": policy,
                "status": status,
                "targets": targets,
            }
        )
        if next_due_at is not UNSET:
            field_dict["next_due_at"] = next_due_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sla_view_targets import SlaViewTargets  # noqa: PLC0415

        d = dict(src_dict)
        policy = d.pop("policy")

        status = SlaStatus(d.pop("status"))

        targets = SlaViewTargets.from_dict(d.pop("targets"))

        def _parse_next_due_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_due_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_due_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_due_at = _parse_next_due_at(d.pop("next_due_at", UNSET))

        sla_view = cls(
            policy=policy,
            status=status,
            targets=targets,
            next_due_at=next_due_at,
        )

        sla_view.additional_properties = d
        return sla_view

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
