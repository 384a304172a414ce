from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.csat_state import CsatState
from ..types import UNSET, Unset

T = TypeVar("T", bound="CsatView")


@_attrs_define
class CsatView:
    """A conversation's satisfaction survey and its latest answer.

    Attributes:
        expires_at (datetime.datetime): After this the survey's links and buttons are refused.
        sent_at (datetime.datetime):
        state (CsatState): Where a satisfaction survey stands.
        answered_at (datetime.datetime | None | Unset):
        rating (int | None | Unset): The latest answer, 1 (poor) to 5 (excellent); a later answer replaced earlier ones.
    """

    expires_at: datetime.datetime
    sent_at: datetime.datetime
    state: CsatState
    answered_at: datetime.datetime | None | Unset = UNSET
    rating: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expires_at = self.expires_at.isoformat()

        sent_at = self.sent_at.isoformat()

        state = self.state.value

        answered_at: None | str | Unset
        if isinstance(self.answered_at, Unset):
            answered_at = UNSET
        elif isinstance(self.answered_at, datetime.datetime):
            answered_at = self.answered_at.isoformat()
        else:
            answered_at = self.answered_at

        rating: int | None | Unset
        if isinstance(self.rating, Unset):
            rating = UNSET
        else:
            rating = self.rating

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expires_at": expires_at,
                "sent_at": sent_at,
                "state": state,
            }
        )
        if answered_at is not UNSET:
            field_dict["answered_at"] = answered_at
        if rating is not UNSET:
            field_dict["rating"] = rating

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        sent_at = datetime.datetime.fromisoformat(d.pop("sent_at"))

        state = CsatState(d.pop("state"))

        def _parse_answered_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                answered_at_type_0 = datetime.datetime.fromisoformat(data)

                return answered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        answered_at = _parse_answered_at(d.pop("answered_at", UNSET))

        def _parse_rating(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rating = _parse_rating(d.pop("rating", UNSET))

        csat_view = cls(
            expires_at=expires_at,
            sent_at=sent_at,
            state=state,
            answered_at=answered_at,
            rating=rating,
        )

        csat_view.additional_properties = d
        return csat_view

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
