from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.heartbeat_request_availability import HeartbeatRequestAvailability
from ..types import UNSET, Unset

T = TypeVar("T", bound="HeartbeatRequest")


@_attrs_define
class HeartbeatRequest:
    """Body of `POST /api/v1/presence/heartbeat`.

    Attributes:
        availability (HeartbeatRequestAvailability | Unset):
    """

    availability: HeartbeatRequestAvailability | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        availability: str | Unset = UNSET
        if not isinstance(self.availability, Unset):
            availability = self.availability.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if availability is not UNSET:
            field_dict["availability"] = availability

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _availability = d.pop("availability", UNSET)
        availability: HeartbeatRequestAvailability | Unset
        if isinstance(_availability, Unset):
            availability = UNSET
        else:
            availability = HeartbeatRequestAvailability(_availability)

        heartbeat_request = cls(
            availability=availability,
        )

        return heartbeat_request
