from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="TestSendRequest")


@_attrs_define
class TestSendRequest:
    """Body of `POST /api/v1/campaigns/{id}/test`.

    Attributes:
        contact_ids (list[int]):
    """

    contact_ids: list[int]

    def to_dict(self) -> dict[str, Any]:
        contact_ids = self.contact_ids

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "contact_ids": contact_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        contact_ids = cast(list[int], d.pop("contact_ids"))

        test_send_request = cls(
            contact_ids=contact_ids,
        )

        return test_send_request
