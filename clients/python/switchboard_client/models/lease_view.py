from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="LeaseView")


@_attrs_define
class LeaseView:
    """Work only one node does at a time, and who does it.

    Attributes:
        acquired_at (datetime.datetime):
        expires_at (datetime.datetime): When it passes to another node unless renewed.
        generation (int): Grows on every change of holder.
        holder (str): The holding node's id.
        name (str): `listener:<channel>`, `automation` or `router`.
    """

    acquired_at: datetime.datetime
    expires_at: datetime.datetime
    generation: int
    holder: str
    name: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        acquired_at = self.acquired_at.isoformat()

        expires_at = self.expires_at.isoformat()

        generation = self.generation

        holder = self.holder

        name = self.name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "acquired_at": acquired_at,
                "expires_at": expires_at,
                "generation": generation,
                "holder": holder,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        acquired_at = datetime.datetime.fromisoformat(d.pop("acquired_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        generation = d.pop("generation")

        holder = d.pop("holder")

        name = d.pop("name")

        lease_view = cls(
            acquired_at=acquired_at,
            expires_at=expires_at,
            generation=generation,
            holder=holder,
            name=name,
        )

        lease_view.additional_properties = d
        return lease_view

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
