from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.merge_added_view import MergeAddedView
    from ..models.merge_moved_view import MergeMovedView
    from ..models.merge_view_overridden_attributes import MergeViewOverriddenAttributes


T = TypeVar("T", bound="MergeView")


@_attrs_define
class MergeView:
    """One merge of contact `from` into contact `into`.

    Attributes:
        added (MergeAddedView): Fields the survivor lacked and took from the other contact.
        from_ (int): A contact (a customer, across all their channels).
        id (int):
        into (int): A contact (a customer, across all their channels).
        merged_at (datetime.datetime):
        moved (MergeMovedView): What a merge moved.
        overridden_attributes (MergeViewOverriddenAttributes): `from`'s attribute values where `into` had its own, which
            won (`from` keeps them).
        merged_by (int | None | Unset):
        undone_at (datetime.datetime | None | Unset):
        undone_by (int | None | Unset):
    """

    added: MergeAddedView
    from_: int
    id: int
    into: int
    merged_at: datetime.datetime
    moved: MergeMovedView
    overridden_attributes: MergeViewOverriddenAttributes
    merged_by: int | None | Unset = UNSET
    undone_at: datetime.datetime | None | Unset = UNSET
    undone_by: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        added = self.added.to_dict()

        from_ = self.from_

        id = self.id

        into = self.into

        merged_at = self.merged_at.isoformat()

        moved = self.moved.to_dict()

        overridden_attributes = self.overridden_attributes.to_dict()

        merged_by: int | None | Unset
        if isinstance(self.merged_by, Unset):
            merged_by = UNSET
        else:
            merged_by = self.merged_by

        undone_at: None | str | Unset
        if isinstance(self.undone_at, Unset):
            undone_at = UNSET
        elif isinstance(self.undone_at, datetime.datetime):
            undone_at = self.undone_at.isoformat()
        else:
            undone_at = self.undone_at

        undone_by: int | None | Unset
        if isinstance(self.undone_by, Unset):
            undone_by = UNSET
        else:
            undone_by = self.undone_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "added": added,
                "from": from_,
                "id": id,
                "into": into,
                "merged_at": merged_at,
                "moved": moved,
                "overridden_attributes": overridden_attributes,
            }
        )
        if merged_by is not UNSET:
            field_dict["merged_by"] = merged_by
        if undone_at is not UNSET:
            field_dict["undone_at"] = undone_at
        if undone_by is not UNSET:
            field_dict["undone_by"] = undone_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.merge_added_view import MergeAddedView  # noqa: PLC0415
        from ..models.merge_moved_view import MergeMovedView  # noqa: PLC0415
        from ..models.merge_view_overridden_attributes import MergeViewOverriddenAttributes  # noqa: PLC0415

        d = dict(src_dict)
        added = MergeAddedView.from_dict(d.pop("added"))

        from_ = d.pop("from")

        id = d.pop("id")

        into = d.pop("into")

        merged_at = datetime.datetime.fromisoformat(d.pop("merged_at"))

        moved = MergeMovedView.from_dict(d.pop("moved"))

        overridden_attributes = MergeViewOverriddenAttributes.from_dict(d.pop("overridden_attributes"))

        def _parse_merged_by(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        merged_by = _parse_merged_by(d.pop("merged_by", UNSET))

        def _parse_undone_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                undone_at_type_0 = datetime.datetime.fromisoformat(data)

                return undone_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        undone_at = _parse_undone_at(d.pop("undone_at", UNSET))

        def _parse_undone_by(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        undone_by = _parse_undone_by(d.pop("undone_by", UNSET))

        merge_view = cls(
            added=added,
            from_=from_,
            id=id,
            into=into,
            merged_at=merged_at,
            moved=moved,
            overridden_attributes=overridden_attributes,
            merged_by=merged_by,
            undone_at=undone_at,
            undone_by=undone_by,
        )

        merge_view.additional_properties = d
        return merge_view

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
