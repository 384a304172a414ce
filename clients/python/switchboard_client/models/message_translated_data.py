from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.translation_origin import TranslationOrigin

T = TypeVar("T", bound="MessageTranslatedData")


@_attrs_define
class MessageTranslatedData:
    """`data` of `message.translated`: agent assist stored a translation of the message (read it
    from `GET /api/v1/conversations/{id}/translations`; the text is not in the event).

        Attributes:
            language (str): ISO 639-1 code of the translation's language.
            model (str): The model that translated.
            origin (TranslationOrigin):
    """

    language: str
    model: str
    origin: TranslationOrigin
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        language = self.language

        model = self.model

        origin = self.origin.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "language": language,
                "model": model,
                "origin": origin,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        language = d.pop("language")

        model = d.pop("model")

        origin = TranslationOrigin(d.pop("origin"))

        message_translated_data = cls(
            language=language,
            model=model,
            origin=origin,
        )

        message_translated_data.additional_properties = d
        return message_translated_data

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
