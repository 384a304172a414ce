from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.reply_spec_template_values import ReplySpecTemplateValues


T = TypeVar("T", bound="ReplySpecTemplate")


@_attrs_define
class ReplySpecTemplate:
    """
    Attributes:
        template (str):
        cooldown (None | str | Unset):
        values (ReplySpecTemplateValues | Unset): Custom values, available to the template as `custom.*`.
    """

    template: str
    cooldown: None | str | Unset = UNSET
    values: ReplySpecTemplateValues | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        template = self.template

        cooldown: None | str | Unset
        if isinstance(self.cooldown, Unset):
            cooldown = UNSET
        else:
            cooldown = self.cooldown

        values: dict[str, Any] | Unset = UNSET
        if not isinstance(self.values, Unset):
            values = self.values.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "template": template,
            }
        )
        if cooldown is not UNSET:
            field_dict["cooldown"] = cooldown
        if values is not UNSET:
            field_dict["values"] = values

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.reply_spec_template_values import ReplySpecTemplateValues  # noqa: PLC0415

        d = dict(src_dict)
        template = d.pop("template")

        def _parse_cooldown(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cooldown = _parse_cooldown(d.pop("cooldown", UNSET))

        _values = d.pop("values", UNSET)
        values: ReplySpecTemplateValues | Unset
        if isinstance(_values, Unset):
            values = UNSET
        else:
            values = ReplySpecTemplateValues.from_dict(_values)

        reply_spec_template = cls(
            template=template,
            cooldown=cooldown,
            values=values,
        )

        reply_spec_template.additional_properties = d
        return reply_spec_template

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
