from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MessageRedactedData")


@_attrs_define
class MessageRedactedData:
    """`data` of `message.redacted`: an agent or admin (`agent_id`) replaced the whole text or
    parts of it by `[redacted]`; the redacted text is never in the event. It is also the
    activity line of the conversation that says who redacted when.

        Attributes:
            attachments (bool): True when the message's attachments were removed too.
            parts (int): How many occurrences of the given parts were replaced (0 with `whole`).
            whole (bool): True when the whole text (and HTML) was replaced, false when only given parts were.
    """

    attachments: bool
    parts: int
    whole: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attachments = self.attachments

        parts = self.parts

        whole = self.whole

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attachments": attachments,
                "parts": parts,
                "whole": whole,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attachments = d.pop("attachments")

        parts = d.pop("parts")

        whole = d.pop("whole")

        message_redacted_data = cls(
            attachments=attachments,
            parts=parts,
            whole=whole,
        )

        message_redacted_data.additional_properties = d
        return message_redacted_data

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
