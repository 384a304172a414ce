from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="MergeRequest")


@_attrs_define
class MergeRequest:
    """Body of `POST /api/v1/contacts/{id}/merge`.

    Attributes:
        from_ (int): A contact (a customer, across all their channels).
    """

    from_: int

    def to_dict(self) -> dict[str, Any]:
        from_ = self.from_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "from": from_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        from_ = d.pop("from")

        merge_request = cls(
            from_=from_,
        )

        return merge_request
