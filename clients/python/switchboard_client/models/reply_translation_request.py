from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReplyTranslationRequest")


@_attrs_define
class ReplyTranslationRequest:
    """Body of a reply translation: the agent's text.

    Attributes:
        text (str):
        language (None | str | Unset): ISO 639-1 code of the customer's language; told from their latest messages when
            left
            out.
    """

    text: str
    language: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "text": text,
            }
        )
        if language is not UNSET:
            field_dict["language"] = language

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        text = d.pop("text")

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        reply_translation_request = cls(
            text=text,
            language=language,
        )

        return reply_translation_request
