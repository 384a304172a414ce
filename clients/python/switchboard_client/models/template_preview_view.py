from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TemplatePreviewView")


@_attrs_define
class TemplatePreviewView:
    """A rendered preview.

    Attributes:
        channel_kind (str):
        locale (str):
        text (str): The plain text (what the customer reads; email's text part).
        variant (str): The file(s) used, e.g. `ack.cs+ack.email.cs.html`.
        html (None | str | Unset): Email's HTML part.
        markup (None | str | Unset): The text in the channel's markup (Telegram HTML, Discord markdown) when the variant
            writes markup.
    """

    channel_kind: str
    locale: str
    text: str
    variant: str
    html: None | str | Unset = UNSET
    markup: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel_kind = self.channel_kind

        locale = self.locale

        text = self.text

        variant = self.variant

        html: None | str | Unset
        if isinstance(self.html, Unset):
            html = UNSET
        else:
            html = self.html

        markup: None | str | Unset
        if isinstance(self.markup, Unset):
            markup = UNSET
        else:
            markup = self.markup

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel_kind": channel_kind,
                "locale": locale,
                "text": text,
                "variant": variant,
            }
        )
        if html is not UNSET:
            field_dict["html"] = html
        if markup is not UNSET:
            field_dict["markup"] = markup

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel_kind = d.pop("channel_kind")

        locale = d.pop("locale")

        text = d.pop("text")

        variant = d.pop("variant")

        def _parse_html(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        html = _parse_html(d.pop("html", UNSET))

        def _parse_markup(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        markup = _parse_markup(d.pop("markup", UNSET))

        template_preview_view = cls(
            channel_kind=channel_kind,
            locale=locale,
            text=text,
            variant=variant,
            html=html,
            markup=markup,
        )

        template_preview_view.additional_properties = d
        return template_preview_view

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
