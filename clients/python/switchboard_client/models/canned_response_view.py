from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CannedResponseView")


@_attrs_define
class CannedResponseView:
    """A canned response.

    Attributes:
        created_at (datetime.datetime):
        id (int): A canned response (an agent's shortcut to a prepared answer).
        shortcut (str): What an agent types after `/`, e.g. `refund`.
        title (str):
        updated_at (datetime.datetime):
        body (None | str | Unset): Its own template text, when it has one.
        created_by (int | None | Unset):
        template (None | str | Unset): The template it sends, when it sends one.
    """

    created_at: datetime.datetime
    id: int
    shortcut: str
    title: str
    updated_at: datetime.datetime
    body: None | str | Unset = UNSET
    created_by: int | None | Unset = UNSET
    template: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        id = self.id

        shortcut = self.shortcut

        title = self.title

        updated_at = self.updated_at.isoformat()

        body: None | str | Unset
        if isinstance(self.body, Unset):
            body = UNSET
        else:
            body = self.body

        created_by: int | None | Unset
        if isinstance(self.created_by, Unset):
            created_by = UNSET
        else:
            created_by = self.created_by

        template: None | str | Unset
        if isinstance(self.template, Unset):
            template = UNSET
        else:
            template = self.template

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "shortcut": shortcut,
                "title": title,
                "updated_at": updated_at,
            }
        )
        if body is not UNSET:
            field_dict["body"] = body
        if created_by is not UNSET:
            field_dict["created_by"] = created_by
        if template is not UNSET:
            field_dict["template"] = template

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        shortcut = d.pop("shortcut")

        title = d.pop("title")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_body(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        body = _parse_body(d.pop("body", UNSET))

        def _parse_created_by(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        created_by = _parse_created_by(d.pop("created_by", UNSET))

        def _parse_template(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        template = _parse_template(d.pop("template", UNSET))

        canned_response_view = cls(
            created_at=created_at,
            id=id,
            shortcut=shortcut,
            title=title,
            updated_at=updated_at,
            body=body,
            created_by=created_by,
            template=template,
        )

        canned_response_view.additional_properties = d
        return canned_response_view

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
