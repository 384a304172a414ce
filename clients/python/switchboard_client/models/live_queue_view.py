from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LiveQueueView")


@_attrs_define
class LiveQueueView:
    """The queue now.

    Attributes:
        waiting (int): Conversations waiting for an agent (those `GET /api/v1/queue` lists).
        longest_wait_seconds (int | None | Unset): How long that is at `at`, in seconds.
        oldest_waiting_since (datetime.datetime | None | Unset): Since when the longest-waiting of them waits.
    """

    waiting: int
    longest_wait_seconds: int | None | Unset = UNSET
    oldest_waiting_since: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        waiting = self.waiting

        longest_wait_seconds: int | None | Unset
        if isinstance(self.longest_wait_seconds, Unset):
            longest_wait_seconds = UNSET
        else:
            longest_wait_seconds = self.longest_wait_seconds

        oldest_waiting_since: None | str | Unset
        if isinstance(self.oldest_waiting_since, Unset):
            oldest_waiting_since = UNSET
        elif isinstance(self.oldest_waiting_since, datetime.datetime):
            oldest_waiting_since = self.oldest_waiting_since.isoformat()
        else:
            oldest_waiting_since = self.oldest_waiting_since

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "waiting": waiting,
            }
        )
        if longest_wait_seconds is not UNSET:
            field_dict["longest_wait_seconds"] = longest_wait_seconds
        if oldest_waiting_since is not UNSET:
            field_dict["oldest_waiting_since"] = oldest_waiting_since

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        waiting = d.pop("waiting")

        def _parse_longest_wait_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        longest_wait_seconds = _parse_longest_wait_seconds(d.pop("longest_wait_seconds", UNSET))

        def _parse_oldest_waiting_since(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                oldest_waiting_since_type_0 = datetime.datetime.fromisoformat(data)

                return oldest_waiting_since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        oldest_waiting_since = _parse_oldest_waiting_since(d.pop("oldest_waiting_since", UNSET))

        live_queue_view = cls(
            waiting=waiting,
            longest_wait_seconds=longest_wait_seconds,
            oldest_waiting_since=oldest_waiting_since,
        )

        live_queue_view.additional_properties = d
        return live_queue_view

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
