from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DraftView")


@_attrs_define
class DraftView:
    """A reply draft: for the agent to edit, never sent or stored by Switchboard.

    Attributes:
        completion_tokens (int):
        model (str): The model that wrote it.
        prompt_tokens (int):
        text (str):
    """

    completion_tokens: int
    model: str
    prompt_tokens: int
    text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        completion_tokens = self.completion_tokens

        model = self.model

        prompt_tokens = self.prompt_tokens

        text = self.text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "completion_tokens": completion_tokens,
                "model": model,
                "prompt_tokens": prompt_tokens,
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        completion_tokens = d.pop("completion_tokens")

        model = d.pop("model")

        prompt_tokens = d.pop("prompt_tokens")

        text = d.pop("text")

        draft_view = cls(
            completion_tokens=completion_tokens,
            model=model,
            prompt_tokens=prompt_tokens,
            text=text,
        )

        draft_view.additional_properties = d
        return draft_view

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
