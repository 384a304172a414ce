from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ConditionLanguage")


@_attrs_define
class ConditionLanguage:
    """ISO 639-1 code (`cs`, `en`, ...) of the detected language.

    Attributes:
        language (str): ISO 639-1 code (`cs`, `en`, ...) of the detected language.
    """

    language: str

    def to_dict(self) -> dict[str, Any]:
        language = self.language

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "language": language,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        language = d.pop("language")

        condition_language = cls(
            language=language,
        )

        return condition_language
