from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.template import Template


T = TypeVar("T", bound="ChannelPlan")


@_attrs_define
class ChannelPlan:
    """One channel of a campaign.

    Attributes:
        channel (str): A configured channel name (`[[channels]] name`).
        body (None | str | Unset): … or the message written inline (minijinja, same variables as templates, plus
            `custom.unsubscribe_url`).
        html (None | str | Unset): Email's HTML part written inline.
        rate_per_sec (float | None | Unset): Messages per second on this channel (default `[campaigns]
            default_rate_per_sec`).
        subject (None | str | Unset): Email's subject (a template too).
        template (None | str | Unset): A template from `templates/` (variants per channel and locale apply) …
        whatsapp_template (None | Template | Unset):
    """

    channel: str
    body: None | str | Unset = UNSET
    html: None | str | Unset = UNSET
    rate_per_sec: float | None | Unset = UNSET
    subject: None | str | Unset = UNSET
    template: None | str | Unset = UNSET
    whatsapp_template: None | Template | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.template import Template  # noqa: PLC0415

        channel = self.channel

        body: None | str | Unset
        if isinstance(self.body, Unset):
            body = UNSET
        else:
            body = self.body

        html: None | str | Unset
        if isinstance(self.html, Unset):
            html = UNSET
        else:
            html = self.html

        rate_per_sec: float | None | Unset
        if isinstance(self.rate_per_sec, Unset):
            rate_per_sec = UNSET
        else:
            rate_per_sec = self.rate_per_sec

        subject: None | str | Unset
        if isinstance(self.subject, Unset):
            subject = UNSET
        else:
            subject = self.subject

        template: None | str | Unset
        if isinstance(self.template, Unset):
            template = UNSET
        else:
            template = self.template

        whatsapp_template: dict[str, Any] | None | Unset
        if isinstance(self.whatsapp_template, Unset):
            whatsapp_template = UNSET
        elif isinstance(self.whatsapp_template, Template):
            whatsapp_template = self.whatsapp_template.to_dict()
        else:
            whatsapp_template = self.whatsapp_template

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "channel": channel,
            }
        )
        if body is not UNSET:
            field_dict["body"] = body
        if html is not UNSET:
            field_dict["html"] = html
        if rate_per_sec is not UNSET:
            field_dict["rate_per_sec"] = rate_per_sec
        if subject is not UNSET:
            field_dict["subject"] = subject
        if template is not UNSET:
            field_dict["template"] = template
        if whatsapp_template is not UNSET:
            field_dict["whatsapp_template"] = whatsapp_template

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.template import Template  # noqa: PLC0415

        d = dict(src_dict)
        channel = d.pop("channel")

        def _parse_body(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        body = _parse_body(d.pop("body", UNSET))

        def _parse_html(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        html = _parse_html(d.pop("html", UNSET))

        def _parse_rate_per_sec(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        rate_per_sec = _parse_rate_per_sec(d.pop("rate_per_sec", UNSET))

        def _parse_subject(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject = _parse_subject(d.pop("subject", UNSET))

        def _parse_template(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        template = _parse_template(d.pop("template", UNSET))

        def _parse_whatsapp_template(data: object) -> None | Template | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                whatsapp_template_type_1 = Template.from_dict(data)

                return whatsapp_template_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Template | Unset, data)

        whatsapp_template = _parse_whatsapp_template(d.pop("whatsapp_template", UNSET))

        channel_plan = cls(
            channel=channel,
            body=body,
            html=html,
            rate_per_sec=rate_per_sec,
            subject=subject,
            template=template,
            whatsapp_template=whatsapp_template,
        )

        return channel_plan
