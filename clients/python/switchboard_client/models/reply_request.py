from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attachment_view import AttachmentView
    from ..models.reply_request_values import ReplyRequestValues
    from ..models.template_request import TemplateRequest
    from ..models.translated_from import TranslatedFrom


T = TypeVar("T", bound="ReplyRequest")


@_attrs_define
class ReplyRequest:
    """Body of a reply: free text (with attachments); or one of our templates by name
    (`"template": "ack"`, with `values`), rendered for the channel and the contact's locale; or
    an approved template object on channels that have them (WhatsApp), which is what works
    outside the 24-hour customer-service window.

        Attributes:
            attachments (list[AttachmentView] | Unset):
            template (None | str | TemplateRequest | Unset):
            text (str | Unset):
            translated_from (None | TranslatedFrom | Unset):
            values (ReplyRequestValues | Unset): Custom values of a named template, available as `custom.<key>`.
    """

    attachments: list[AttachmentView] | Unset = UNSET
    template: None | str | TemplateRequest | Unset = UNSET
    text: str | Unset = UNSET
    translated_from: None | TranslatedFrom | Unset = UNSET
    values: ReplyRequestValues | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.template_request import TemplateRequest  # noqa: PLC0415
        from ..models.translated_from import TranslatedFrom  # noqa: PLC0415

        attachments: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.attachments, Unset):
            attachments = []
            for attachments_item_data in self.attachments:
                attachments_item = attachments_item_data.to_dict()
                attachments.append(attachments_item)

        template: dict[str, Any] | None | str | Unset
        if isinstance(self.template, Unset):
            template = UNSET
        elif isinstance(self.template, TemplateRequest):
            template = self.template.to_dict()
        else:
            template = self.template

        text = self.text

        translated_from: dict[str, Any] | None | Unset
        if isinstance(self.translated_from, Unset):
            translated_from = UNSET
        elif isinstance(self.translated_from, TranslatedFrom):
            translated_from = self.translated_from.to_dict()
        else:
            translated_from = self.translated_from

        values: dict[str, Any] | Unset = UNSET
        if not isinstance(self.values, Unset):
            values = self.values.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if attachments is not UNSET:
            field_dict["attachments"] = attachments
        if template is not UNSET:
            field_dict["template"] = template
        if text is not UNSET:
            field_dict["text"] = text
        if translated_from is not UNSET:
            field_dict["translated_from"] = translated_from
        if values is not UNSET:
            field_dict["values"] = values

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attachment_view import AttachmentView  # noqa: PLC0415
        from ..models.reply_request_values import ReplyRequestValues  # noqa: PLC0415
        from ..models.template_request import TemplateRequest  # noqa: PLC0415
        from ..models.translated_from import TranslatedFrom  # noqa: PLC0415

        d = dict(src_dict)
        _attachments = d.pop("attachments", UNSET)
        attachments: list[AttachmentView] | Unset = UNSET
        if _attachments is not UNSET:
            attachments = []
            for attachments_item_data in _attachments:
                attachments_item = AttachmentView.from_dict(attachments_item_data)

                attachments.append(attachments_item)

        def _parse_template(data: object) -> None | str | TemplateRequest | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_reply_template_type_1 = TemplateRequest.from_dict(data)

                return componentsschemas_reply_template_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | str | TemplateRequest | Unset, data)

        template = _parse_template(d.pop("template", UNSET))

        text = d.pop("text", UNSET)

        def _parse_translated_from(data: object) -> None | TranslatedFrom | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                translated_from_type_1 = TranslatedFrom.from_dict(data)

                return translated_from_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TranslatedFrom | Unset, data)

        translated_from = _parse_translated_from(d.pop("translated_from", UNSET))

        _values = d.pop("values", UNSET)
        values: ReplyRequestValues | Unset
        if isinstance(_values, Unset):
            values = UNSET
        else:
            values = ReplyRequestValues.from_dict(_values)

        reply_request = cls(
            attachments=attachments,
            template=template,
            text=text,
            translated_from=translated_from,
            values=values,
        )

        return reply_request
