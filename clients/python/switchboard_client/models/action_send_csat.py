from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ActionSendCsat")


@_attrs_define
class ActionSendCsat:
    """Send the customer the satisfaction survey (template `csat_request`) in their channel's
    own form, unless the conversation had one already. Written `{ send_csat = true }`.

        Attributes:
            send_csat (bool): Send the customer the satisfaction survey (template `csat_request`) in their channel's
                own form, unless the conversation had one already. Written `{ send_csat = true }`.
    """

    send_csat: bool

    def to_dict(self) -> dict[str, Any]:
        send_csat = self.send_csat

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "send_csat": send_csat,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        send_csat = d.pop("send_csat")

        action_send_csat = cls(
            send_csat=send_csat,
        )

        return action_send_csat
