from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CannedResponseRequest")


@_attrs_define
class CannedResponseRequest:
    """Body of `POST /api/v1/canned-responses` and `PUT /api/v1/canned-responses/{id}`: exactly
    one of `template` and `body`.

        Attributes:
            shortcut (str): 1-32 characters of a-z, 0-9, `-` and `_`; a leading `/` is dropped. Unique.
            title (str):
            body (None | str | Unset): Template text (minijinja, plain text), checked by rendering it with sample data.
            template (None | str | Unset): The name of a template (`GET /api/v1/templates`).
    """

    shortcut: str
    title: str
    body: None | str | Unset = UNSET
    template: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        shortcut = self.shortcut

        title = self.title

        body: None | str | Unset
        if isinstance(self.body, Unset):
            body = UNSET
        else:
            body = self.body

        template: None | str | Unset
        if isinstance(self.template, Unset):
            template = UNSET
        else:
            template = self.template

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "shortcut": shortcut,
                "title": title,
            }
        )
        if body is not UNSET:
            field_dict["body"] = body
        if template is not UNSET:
            field_dict["template"] = template

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        shortcut = d.pop("shortcut")

        title = d.pop("title")

        def _parse_body(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        body = _parse_body(d.pop("body", UNSET))

        def _parse_template(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        template = _parse_template(d.pop("template", UNSET))

        canned_response_request = cls(
            shortcut=shortcut,
            title=title,
            body=body,
            template=template,
        )

        return canned_response_request
