from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="EraseContactsRequest")


@_attrs_define
class EraseContactsRequest:
    """Body of `POST /api/v1/contacts/erase`.

    Attributes:
        ids (list[int]): The contacts to erase (1 to 100, all must exist).
        reason (str):
    """

    ids: list[int]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        ids = self.ids

        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "ids": ids,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        ids = cast(list[int], d.pop("ids"))

        reason = d.pop("reason")

        erase_contacts_request = cls(
            ids=ids,
            reason=reason,
        )

        return erase_contacts_request
