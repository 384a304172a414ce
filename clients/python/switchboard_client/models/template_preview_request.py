from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.channel_kind import ChannelKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.template_preview_request_values import TemplatePreviewRequestValues


T = TypeVar("T", bound="TemplatePreviewRequest")


@_attrs_define
class TemplatePreviewRequest:
    """Body of `POST /api/v1/templates/{name}/preview` (every field optional).

    Attributes:
        channel_kind (ChannelKind | None | Unset):
        conversation_id (int | None | Unset):
        locale (None | str | Unset): Default: the conversation contact's locale, else the default locale.
        values (TemplatePreviewRequestValues | Unset): Custom values, available as `custom.<key>`.
    """

    channel_kind: ChannelKind | None | Unset = UNSET
    conversation_id: int | None | Unset = UNSET
    locale: None | str | Unset = UNSET
    values: TemplatePreviewRequestValues | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        channel_kind: None | str | Unset
        if isinstance(self.channel_kind, Unset):
            channel_kind = UNSET
        elif isinstance(self.channel_kind, ChannelKind):
            channel_kind = self.channel_kind.value
        else:
            channel_kind = self.channel_kind

        conversation_id: int | None | Unset
        if isinstance(self.conversation_id, Unset):
            conversation_id = UNSET
        else:
            conversation_id = self.conversation_id

        locale: None | str | Unset
        if isinstance(self.locale, Unset):
            locale = UNSET
        else:
            locale = self.locale

        values: dict[str, Any] | Unset = UNSET
        if not isinstance(self.values, Unset):
            values = self.values.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if channel_kind is not UNSET:
            field_dict["channel_kind"] = channel_kind
        if conversation_id is not UNSET:
            field_dict["conversation_id"] = conversation_id
        if locale is not UNSET:
            field_dict["locale"] = locale
        if values is not UNSET:
            field_dict["values"] = values

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.template_preview_request_values import TemplatePreviewRequestValues  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_channel_kind(data: object) -> ChannelKind | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                channel_kind_type_1 = ChannelKind(data)

                return channel_kind_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChannelKind | None | Unset, data)

        channel_kind = _parse_channel_kind(d.pop("channel_kind", UNSET))

        def _parse_conversation_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        conversation_id = _parse_conversation_id(d.pop("conversation_id", UNSET))

        def _parse_locale(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        locale = _parse_locale(d.pop("locale", UNSET))

        _values = d.pop("values", UNSET)
        values: TemplatePreviewRequestValues | Unset
        if isinstance(_values, Unset):
            values = UNSET
        else:
            values = TemplatePreviewRequestValues.from_dict(_values)

        template_preview_request = cls(
            channel_kind=channel_kind,
            conversation_id=conversation_id,
            locale=locale,
            values=values,
        )

        return template_preview_request
