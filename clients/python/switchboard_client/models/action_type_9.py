from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.reply_spec_type_1 import ReplySpecType1


T = TypeVar("T", bound="ActionType9")


@_attrs_define
class ActionType9:
    """Send a template to the customer, guarded against loops.

    Attributes:
        reply (ReplySpecType1 | str): A reply with a template: `reply = "ack"` or `reply = { template = "ack", values =
            {...} }`.
    """

    reply: ReplySpecType1 | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.reply_spec_type_1 import ReplySpecType1  # noqa: PLC0415

        reply: dict[str, Any] | str
        if isinstance(self.reply, ReplySpecType1):
            reply = self.reply.to_dict()
        else:
            reply = self.reply

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "reply": reply,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.reply_spec_type_1 import ReplySpecType1  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_reply(data: object) -> ReplySpecType1 | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_reply_spec_type_1 = ReplySpecType1.from_dict(data)

                return componentsschemas_reply_spec_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ReplySpecType1 | str, data)

        reply = _parse_reply(d.pop("reply"))

        action_type_9 = cls(
            reply=reply,
        )

        action_type_9.additional_properties = d
        return action_type_9

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
