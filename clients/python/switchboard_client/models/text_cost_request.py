from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="TextCostRequest")


@_attrs_define
class TextCostRequest:
    """Body of `POST /api/v1/channels/{name}/text-cost`.

    Attributes:
        text (str): The text of a reply or a campaign message, as it would be sent.
    """

    text: str

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        text = d.pop("text")

        text_cost_request = cls(
            text=text,
        )

        return text_cost_request
