from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="TranslatedFrom")


@_attrs_define
class TranslatedFrom:
    """What the agent wrote, of which the reply's `text` is the translation.

    Attributes:
        language (str): ISO 639-1 code of `text`'s language.
        model (str): The model that translated it.
        text (str):
    """

    language: str
    model: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        language = self.language

        model = self.model

        text = self.text

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "language": language,
                "model": model,
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        language = d.pop("language")

        model = d.pop("model")

        text = d.pop("text")

        translated_from = cls(
            language=language,
            model=model,
            text=text,
        )

        return translated_from
