from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="QuietHours")


@_attrs_define
class QuietHours:
    """A daily window in which nothing is sent.

    Attributes:
        end (str): Local time it ends, `HH:MM` (earlier than `start` means it spans midnight).
        start (str): Local time the quiet window starts, `HH:MM`.
        default_timezone (None | str | Unset): The zone for contacts without a `timezone` attribute (default UTC).
    """

    end: str
    start: str
    default_timezone: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        end = self.end

        start = self.start

        default_timezone: None | str | Unset
        if isinstance(self.default_timezone, Unset):
            default_timezone = UNSET
        else:
            default_timezone = self.default_timezone

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "end": end,
                "start": start,
            }
        )
        if default_timezone is not UNSET:
            field_dict["default_timezone"] = default_timezone

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        end = d.pop("end")

        start = d.pop("start")

        def _parse_default_timezone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        default_timezone = _parse_default_timezone(d.pop("default_timezone", UNSET))

        quiet_hours = cls(
            end=end,
            start=start,
            default_timezone=default_timezone,
        )

        return quiet_hours
