from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RedactRequest")


@_attrs_define
class RedactRequest:
    """Body of a redaction: `{}` redacts the whole text (and HTML); `parts` redacts only each
    occurrence of each given string.

        Attributes:
            attachments (bool | Unset): Also remove the message's attachments (their files go once no message refers to
                them).
            parts (list[str] | None | Unset):
    """

    attachments: bool | Unset = UNSET
    parts: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        attachments = self.attachments

        parts: list[str] | None | Unset
        if isinstance(self.parts, Unset):
            parts = UNSET
        elif isinstance(self.parts, list):
            parts = self.parts

        else:
            parts = self.parts

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if attachments is not UNSET:
            field_dict["attachments"] = attachments
        if parts is not UNSET:
            field_dict["parts"] = parts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attachments = d.pop("attachments", UNSET)

        def _parse_parts(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                parts_type_0 = cast(list[str], data)

                return parts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        parts = _parse_parts(d.pop("parts", UNSET))

        redact_request = cls(
            attachments=attachments,
            parts=parts,
        )

        return redact_request
