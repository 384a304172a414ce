from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.text_test_value import TextTestValue


T = TypeVar("T", bound="ConditionTextContains")


@_attrs_define
class ConditionTextContains:
    """
    Attributes:
        text_contains (str | TextTestValue): `text_contains = "faktura"` or `{ value = "faktura", ignore_case = true,
            ignore_diacritics = true }`. Both options default to true: customers type "faktura" for
            "fakturu", "Faktura" and "FAKTURA", and Czech customers often skip háčky and čárky.
    """

    text_contains: str | TextTestValue

    def to_dict(self) -> dict[str, Any]:
        from ..models.text_test_value import TextTestValue  # noqa: PLC0415

        text_contains: dict[str, Any] | str
        if isinstance(self.text_contains, TextTestValue):
            text_contains = self.text_contains.to_dict()
        else:
            text_contains = self.text_contains

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "text_contains": text_contains,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.text_test_value import TextTestValue  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_text_contains(data: object) -> str | TextTestValue:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_text_test_type_1 = TextTestValue.from_dict(data)

                return componentsschemas_text_test_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | TextTestValue, data)

        text_contains = _parse_text_contains(d.pop("text_contains"))

        condition_text_contains = cls(
            text_contains=text_contains,
        )

        return condition_text_contains
