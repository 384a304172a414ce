from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="FunnelCounts")


@_attrs_define
class FunnelCounts:
    """Counts of one channel of a campaign's funnel.

    Attributes:
        clicked (int):
        delivered (int):
        failed (int):
        in_doubt (int): Held after a crash: handed to a channel that cannot drop a repeat, outcome unknown.
        opened (int):
        pending (int):
        read (int):
        replied (int):
        sent (int):
        suppressed (int):
        targeted (int):
        unsubscribed (int):
    """

    clicked: int
    delivered: int
    failed: int
    in_doubt: int
    opened: int
    pending: int
    read: int
    replied: int
    sent: int
    suppressed: int
    targeted: int
    unsubscribed: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        clicked = self.clicked

        delivered = self.delivered

        failed = self.failed

        in_doubt = self.in_doubt

        opened = self.opened

        pending = self.pending

        read = self.read

        replied = self.replied

        sent = self.sent

        suppressed = self.suppressed

        targeted = self.targeted

        unsubscribed = self.unsubscribed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "clicked": clicked,
                "delivered": delivered,
                "failed": failed,
                "in_doubt": in_doubt,
                "opened": opened,
                "pending": pending,
                "read": read,
                "replied": replied,
                "sent": sent,
                "suppressed": suppressed,
                "targeted": targeted,
                "unsubscribed": unsubscribed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        clicked = d.pop("clicked")

        delivered = d.pop("delivered")

        failed = d.pop("failed")

        in_doubt = d.pop("in_doubt")

        opened = d.pop("opened")

        pending = d.pop("pending")

        read = d.pop("read")

        replied = d.pop("replied")

        sent = d.pop("sent")

        suppressed = d.pop("suppressed")

        targeted = d.pop("targeted")

        unsubscribed = d.pop("unsubscribed")

        funnel_counts = cls(
            clicked=clicked,
            delivered=delivered,
            failed=failed,
            in_doubt=in_doubt,
            opened=opened,
            pending=pending,
            read=read,
            replied=replied,
            sent=sent,
            suppressed=suppressed,
            targeted=targeted,
            unsubscribed=unsubscribed,
        )

        funnel_counts.additional_properties = d
        return funnel_counts

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
