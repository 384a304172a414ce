from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ReplyTranslationView")


@_attrs_define
class ReplyTranslationView:
    """The agent's reply in the customer's language, to check before sending.

    Attributes:
        completion_tokens (int):
        language (str): Its language (ISO 639-1).
        model (str): The model that translated.
        prompt_tokens (int):
        text (str): The translation: what the customer would get.
    """

    completion_tokens: int
    language: str
    model: str
    prompt_tokens: int
    text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        completion_tokens = self.completion_tokens

        language = self.language

        model = self.model

        prompt_tokens = self.prompt_tokens

        text = self.text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "completion_tokens": completion_tokens,
                "language": language,
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

        language = d.pop("language")

        model = d.pop("model")

        prompt_tokens = d.pop("prompt_tokens")

        text = d.pop("text")

        reply_translation_view = cls(
            completion_tokens=completion_tokens,
            language=language,
            model=model,
            prompt_tokens=prompt_tokens,
            text=text,
        )

        reply_translation_view.additional_properties = d
        return reply_translation_view

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
