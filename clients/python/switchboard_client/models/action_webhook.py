from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ActionWebhook")


@_attrs_define
class ActionWebhook:
    """Publish an `automation.webhook` event with this name to event webhook subscribers.

    Attributes:
        webhook (str): Publish an `automation.webhook` event with this name to event webhook subscribers.
    """

    webhook: str

    def to_dict(self) -> dict[str, Any]:
        webhook = self.webhook

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "webhook": webhook,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        webhook = d.pop("webhook")

        action_webhook = cls(
            webhook=webhook,
        )

        return action_webhook
