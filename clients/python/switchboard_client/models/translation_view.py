from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.translation_origin import TranslationOrigin

T = TypeVar("T", bound="TranslationView")


@_attrs_define
class TranslationView:
    """One translation of a message.

    Attributes:
        created_at (datetime.datetime):
        language (str): ISO 639-1 code of `text`'s language.
        message_id (int): A message, note or activity in a conversation.
        model (str): The model that translated.
        origin (TranslationOrigin):
        text (str):
    """

    created_at: datetime.datetime
    language: str
    message_id: int
    model: str
    origin: TranslationOrigin
    text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        language = self.language

        message_id = self.message_id

        model = self.model

        origin = self.origin.value

        text = self.text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "language": language,
                "message_id": message_id,
                "model": model,
                "origin": origin,
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        language = d.pop("language")

        message_id = d.pop("message_id")

        model = d.pop("model")

        origin = TranslationOrigin(d.pop("origin"))

        text = d.pop("text")

        translation_view = cls(
            created_at=created_at,
            language=language,
            message_id=message_id,
            model=model,
            origin=origin,
            text=text,
        )

        translation_view.additional_properties = d
        return translation_view

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
