from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.reply_spec_template import ReplySpecTemplate


T = TypeVar("T", bound="ActionReply")


@_attrs_define
class ActionReply:
    """Send a template to the customer, guarded against loops.

    Attributes:
        reply (ReplySpecTemplate | str): A reply with a template: `reply = "ack"` or `reply = { template = "ack", values
            = {...} }`.
    """

    reply: ReplySpecTemplate | str

    def to_dict(self) -> dict[str, Any]:
        from ..models.reply_spec_template import ReplySpecTemplate  # noqa: PLC0415

        reply: dict[str, Any] | str
        if isinstance(self.reply, ReplySpecTemplate):
            reply = self.reply.to_dict()
        else:
            reply = self.reply

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reply": reply,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.reply_spec_template import ReplySpecTemplate  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_reply(data: object) -> ReplySpecTemplate | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_reply_spec_type_1 = ReplySpecTemplate.from_dict(data)

                return componentsschemas_reply_spec_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ReplySpecTemplate | str, data)

        reply = _parse_reply(d.pop("reply"))

        action_reply = cls(
            reply=reply,
        )

        return action_reply
