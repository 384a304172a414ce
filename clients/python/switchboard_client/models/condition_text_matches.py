from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.pattern_spec_pattern import PatternSpecPattern


T = TypeVar("T", bound="ConditionTextMatches")


@_attrs_define
class ConditionTextMatches:
    """
    Attributes:
        text_matches (PatternSpecPattern | str): A regular expression (Rust `regex` syntax: no look-around, no back-
            references), alone or
            with its options.
    """

    text_matches: PatternSpecPattern | str

    def to_dict(self) -> dict[str, Any]:
        from ..models.pattern_spec_pattern import PatternSpecPattern  # noqa: PLC0415

        text_matches: dict[str, Any] | str
        if isinstance(self.text_matches, PatternSpecPattern):
            text_matches = self.text_matches.to_dict()
        else:
            text_matches = self.text_matches

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "text_matches": text_matches,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pattern_spec_pattern import PatternSpecPattern  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_text_matches(data: object) -> PatternSpecPattern | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_pattern_spec_type_1 = PatternSpecPattern.from_dict(data)

                return componentsschemas_pattern_spec_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(PatternSpecPattern | str, data)

        text_matches = _parse_text_matches(d.pop("text_matches"))

        condition_text_matches = cls(
            text_matches=text_matches,
        )

        return condition_text_matches
