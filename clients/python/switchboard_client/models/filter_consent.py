from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.filter_consent_op import FilterConsentOp

T = TypeVar("T", bound="FilterConsent")


@_attrs_define
class FilterConsent:
    """The contact granted marketing consent for this channel kind and has not withdrawn it.

    Attributes:
        channel (str):
        op (FilterConsentOp):
    """

    channel: str
    op: FilterConsentOp

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel

        op = self.op.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "channel": channel,
                "op": op,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = d.pop("channel")

        op = FilterConsentOp(d.pop("op"))

        filter_consent = cls(
            channel=channel,
            op=op,
        )

        return filter_consent
