from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="NodeView")


@_attrs_define
class NodeView:
    """One `switchboard serve` process on this database.

    Attributes:
        address (str): Where it serves HTTP (`[cluster] advertise_address`, or the address it listens on).
        alive (bool): True when its last heartbeat is recent (within 10 s).
        id (str):
        last_heartbeat_at (datetime.datetime):
        leases (list[str]): The leases it holds now.
        started_at (datetime.datetime):
        this_node (bool): True for the node that answered this request.
        version (str):
    """

    address: str
    alive: bool
    id: str
    last_heartbeat_at: datetime.datetime
    leases: list[str]
    started_at: datetime.datetime
    this_node: bool
    version: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        address = self.address

        alive = self.alive

        id = self.id

        last_heartbeat_at = self.last_heartbeat_at.isoformat()

        leases = self.leases

        started_at = self.started_at.isoformat()

        this_node = self.this_node

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "address": address,
                "alive": alive,
                "id": id,
                "last_heartbeat_at": last_heartbeat_at,
                "leases": leases,
                "started_at": started_at,
                "this_node": this_node,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        address = d.pop("address")

        alive = d.pop("alive")

        id = d.pop("id")

        last_heartbeat_at = datetime.datetime.fromisoformat(d.pop("last_heartbeat_at"))

        leases = cast(list[str], d.pop("leases"))

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        this_node = d.pop("this_node")

        version = d.pop("version")

        node_view = cls(
            address=address,
            alive=alive,
            id=id,
            last_heartbeat_at=last_heartbeat_at,
            leases=leases,
            started_at=started_at,
            this_node=this_node,
            version=version,
        )

        node_view.additional_properties = d
        return node_view

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
