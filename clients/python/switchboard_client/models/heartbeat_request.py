from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.availability import Availability
from ..types import UNSET, Unset

T = TypeVar("T", bound="HeartbeatRequest")


@_attrs_define
class HeartbeatRequest:
    """Body of `POST /api/v1/presence/heartbeat`.

    Attributes:
        availability (Availability | None | Unset):
    """

    availability: Availability | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        availability: None | str | Unset
        if isinstance(self.availability, Unset):
            availability = UNSET
        elif isinstance(self.availability, Availability):
            availability = self.availability.value
        else:
            availability = self.availability

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if availability is not UNSET:
            field_dict["availability"] = availability

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_availability(data: object) -> Availability | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                availability_type_1 = Availability(data)

                return availability_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Availability | None | Unset, data)

        availability = _parse_availability(d.pop("availability", UNSET))

        heartbeat_request = cls(
            availability=availability,
        )

        return heartbeat_request
