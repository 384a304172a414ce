from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReplyWindowView")


@_attrs_define
class ReplyWindowView:
    """Whether an agent may write free-form text to the customer now. Some channels (WhatsApp)
    allow it only for a while after the customer's last message; after that only an approved
    template goes out, and a free-form reply is refused with 422.

        Attributes:
            free_form_allowed (bool): True when a free-form reply would be accepted at the time of this answer.
            closes_at (datetime.datetime | None | Unset): When the window closes (or closed); null when the channel has no
                window, or before the
                customer has written.
            window_secs (int | None | Unset): How long the window stays open after the customer's last message, in seconds;
                null
                when the channel has no window.
    """

    free_form_allowed: bool
    closes_at: datetime.datetime | None | Unset = UNSET
    window_secs: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        free_form_allowed = self.free_form_allowed

        closes_at: None | str | Unset
        if isinstance(self.closes_at, Unset):
            closes_at = UNSET
        elif isinstance(self.closes_at, datetime.datetime):
            closes_at = self.closes_at.isoformat()
        else:
            closes_at = self.closes_at

        window_secs: int | None | Unset
        if isinstance(self.window_secs, Unset):
            window_secs = UNSET
        else:
            window_secs = self.window_secs

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "free_form_allowed": free_form_allowed,
            }
        )
        if closes_at is not UNSET:
            field_dict["closes_at"] = closes_at
        if window_secs is not UNSET:
            field_dict["window_secs"] = window_secs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        free_form_allowed = d.pop("free_form_allowed")

        def _parse_closes_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                closes_at_type_0 = datetime.datetime.fromisoformat(data)

                return closes_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        closes_at = _parse_closes_at(d.pop("closes_at", UNSET))

        def _parse_window_secs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        window_secs = _parse_window_secs(d.pop("window_secs", UNSET))

        reply_window_view = cls(
            free_form_allowed=free_form_allowed,
            closes_at=closes_at,
            window_secs=window_secs,
        )

        reply_window_view.additional_properties = d
        return reply_window_view

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
