from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.availability import Availability

T = TypeVar("T", bound="LiveAgentView")


@_attrs_define
class LiveAgentView:
    """One person who holds conversations.

    Attributes:
        availability (Availability):
        capacity (int):
        id (int): A support agent, admin or marketer.
        load (int): Open or pending conversations held now (what the router counts against `capacity`).
        name (str):
    """

    availability: Availability
    capacity: int
    id: int
    load: int
    name: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        availability = self.availability.value

        capacity = self.capacity

        id = self.id

        load = self.load

        name = self.name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "availability": availability,
                "capacity": capacity,
                "id": id,
                "load": load,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        availability = Availability(d.pop("availability"))

        capacity = d.pop("capacity")

        id = d.pop("id")

        load = d.pop("load")

        name = d.pop("name")

        live_agent_view = cls(
            availability=availability,
            capacity=capacity,
            id=id,
            load=load,
            name=name,
        )

        live_agent_view.additional_properties = d
        return live_agent_view

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
