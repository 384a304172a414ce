from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ConditionAuthorIsBot")


@_attrs_define
class ConditionAuthorIsBot:
    """
    Attributes:
        author_is_bot (bool):
    """

    author_is_bot: bool

    def to_dict(self) -> dict[str, Any]:
        author_is_bot = self.author_is_bot

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "author_is_bot": author_is_bot,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        author_is_bot = d.pop("author_is_bot")

        condition_author_is_bot = cls(
            author_is_bot=author_is_bot,
        )

        return condition_author_is_bot
