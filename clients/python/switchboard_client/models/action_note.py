from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ActionNote")


@_attrs_define
class ActionNote:
    """Add a private note (a template text, rendered with the same context as replies).

    Attributes:
        note (str): Add a private note (a template text, rendered with the same context as replies).
    """

    note: str

    def to_dict(self) -> dict[str, Any]:
        note = self.note

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "note": note,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        note = d.pop("note")

        action_note = cls(
            note=note,
        )

        return action_note
