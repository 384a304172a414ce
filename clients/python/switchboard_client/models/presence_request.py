from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.presence_state import PresenceState

T = TypeVar("T", bound="PresenceRequest")


@_attrs_define
class PresenceRequest:
    """Body of `POST /api/v1/conversations/{id}/presence`.

    Attributes:
        state (PresenceState): What an agent is doing in a conversation.
    """

    state: PresenceState

    def to_dict(self) -> dict[str, Any]:
        state = self.state.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "state": state,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        state = PresenceState(d.pop("state"))

        presence_request = cls(
            state=state,
        )

        return presence_request
