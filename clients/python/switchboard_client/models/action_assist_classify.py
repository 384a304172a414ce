from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ActionAssistClassify")


@_attrs_define
class ActionAssistClassify:
    """Ask agent assist's model for labels, a priority and a team, and apply them (the team
    only while no agent has the conversation). Runs after the rule, when the model answers;
    once per conversation and rule. Written `{ assist_classify = true }`.

        Attributes:
            assist_classify (bool): Ask agent assist's model for labels, a priority and a team, and apply them (the team
                only while no agent has the conversation). Runs after the rule, when the model answers;
                once per conversation and rule. Written `{ assist_classify = true }`.
    """

    assist_classify: bool

    def to_dict(self) -> dict[str, Any]:
        assist_classify = self.assist_classify

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "assist_classify": assist_classify,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        assist_classify = d.pop("assist_classify")

        action_assist_classify = cls(
            assist_classify=assist_classify,
        )

        return action_assist_classify
