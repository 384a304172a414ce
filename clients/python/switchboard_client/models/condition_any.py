from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.condition_all import ConditionAll
    from ..models.condition_author_is_bot import ConditionAuthorIsBot
    from ..models.condition_automated import ConditionAutomated
    from ..models.condition_channel import ConditionChannel
    from ..models.condition_channel_kind import ConditionChannelKind
    from ..models.condition_contact_attribute import ConditionContactAttribute
    from ..models.condition_contact_tag import ConditionContactTag
    from ..models.condition_label import ConditionLabel
    from ..models.condition_language import ConditionLanguage
    from ..models.condition_not import ConditionNot
    from ..models.condition_priority import ConditionPriority
    from ..models.condition_status import ConditionStatus
    from ..models.condition_text_contains import ConditionTextContains
    from ..models.condition_text_matches import ConditionTextMatches
    from ..models.condition_within_business_hours import ConditionWithinBusinessHours


T = TypeVar("T", bound="ConditionAny")


@_attrs_define
class ConditionAny:
    """
    Attributes:
        any_ (list[ConditionAll | ConditionAny | ConditionAuthorIsBot | ConditionAutomated | ConditionChannel |
            ConditionChannelKind | ConditionContactAttribute | ConditionContactTag | ConditionLabel | ConditionLanguage |
            ConditionNot | ConditionPriority | ConditionStatus | ConditionTextContains | ConditionTextMatches |
            ConditionWithinBusinessHours]):
    """

    any_: list[
        ConditionAll
        | ConditionAny
        | ConditionAuthorIsBot
        | ConditionAutomated
        | ConditionChannel
        | ConditionChannelKind
        | ConditionContactAttribute
        | ConditionContactTag
        | ConditionLabel
        | ConditionLanguage
        | ConditionNot
        | ConditionPriority
        | ConditionStatus
        | ConditionTextContains
        | ConditionTextMatches
        | ConditionWithinBusinessHours
    ]

    def to_dict(self) -> dict[str, Any]:
        from ..models.condition_all import ConditionAll  # noqa: PLC0415
        from ..models.condition_automated import ConditionAutomated  # noqa: PLC0415
        from ..models.condition_channel import ConditionChannel  # noqa: PLC0415
        from ..models.condition_channel_kind import ConditionChannelKind  # noqa: PLC0415
        from ..models.condition_contact_attribute import ConditionContactAttribute  # noqa: PLC0415
        from ..models.condition_contact_tag import ConditionContactTag  # noqa: PLC0415
        from ..models.condition_label import ConditionLabel  # noqa: PLC0415
        from ..models.condition_language import ConditionLanguage  # noqa: PLC0415
        from ..models.condition_not import ConditionNot  # noqa: PLC0415
        from ..models.condition_priority import ConditionPriority  # noqa: PLC0415
        from ..models.condition_status import ConditionStatus  # noqa: PLC0415
        from ..models.condition_text_contains import ConditionTextContains  # noqa: PLC0415
        from ..models.condition_text_matches import ConditionTextMatches  # noqa: PLC0415
        from ..models.condition_within_business_hours import ConditionWithinBusinessHours  # noqa: PLC0415

        any_ = []
        for any_item_data in self.any_:
            any_item: dict[str, Any]
            if isinstance(any_item_data, ConditionAll):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionAny):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionNot):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionChannel):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionChannelKind):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionTextContains):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionTextMatches):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionContactAttribute):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionContactTag):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionLabel):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionPriority):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionStatus):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionWithinBusinessHours):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionLanguage):
                any_item = any_item_data.to_dict()
            elif isinstance(any_item_data, ConditionAutomated):
                any_item = any_item_data.to_dict()
            else:
                any_item = any_item_data.to_dict()

            any_.append(any_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "any": any_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.condition_all import ConditionAll  # noqa: PLC0415
        from ..models.condition_author_is_bot import ConditionAuthorIsBot  # noqa: PLC0415
        from ..models.condition_automated import ConditionAutomated  # noqa: PLC0415
        from ..models.condition_channel import ConditionChannel  # noqa: PLC0415
        from ..models.condition_channel_kind import ConditionChannelKind  # noqa: PLC0415
        from ..models.condition_contact_attribute import ConditionContactAttribute  # noqa: PLC0415
        from ..models.condition_contact_tag import ConditionContactTag  # noqa: PLC0415
        from ..models.condition_label import ConditionLabel  # noqa: PLC0415
        from ..models.condition_language import ConditionLanguage  # noqa: PLC0415
        from ..models.condition_not import ConditionNot  # noqa: PLC0415
        from ..models.condition_priority import ConditionPriority  # noqa: PLC0415
        from ..models.condition_status import ConditionStatus  # noqa: PLC0415
        from ..models.condition_text_contains import ConditionTextContains  # noqa: PLC0415
        from ..models.condition_text_matches import ConditionTextMatches  # noqa: PLC0415
        from ..models.condition_within_business_hours import ConditionWithinBusinessHours  # noqa: PLC0415

        d = dict(src_dict)
        any_ = []
        _any_ = d.pop("any")
        for any_item_data in _any_:

            def _parse_any_item(
                data: object,
            ) -> (
                ConditionAll
                | ConditionAny
                | ConditionAuthorIsBot
                | ConditionAutomated
                | ConditionChannel
                | ConditionChannelKind
                | ConditionContactAttribute
                | ConditionContactTag
                | ConditionLabel
                | ConditionLanguage
                | ConditionNot
                | ConditionPriority
                | ConditionStatus
                | ConditionTextContains
                | ConditionTextMatches
                | ConditionWithinBusinessHours
            ):
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_0 = ConditionAll.from_dict(data)

                    return componentsschemas_condition_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_1 = ConditionAny.from_dict(data)

                    return componentsschemas_condition_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_2 = ConditionNot.from_dict(data)

                    return componentsschemas_condition_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_3 = ConditionChannel.from_dict(data)

                    return componentsschemas_condition_type_3
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_4 = ConditionChannelKind.from_dict(data)

                    return componentsschemas_condition_type_4
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_5 = ConditionTextContains.from_dict(data)

                    return componentsschemas_condition_type_5
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_6 = ConditionTextMatches.from_dict(data)

                    return componentsschemas_condition_type_6
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_7 = ConditionContactAttribute.from_dict(data)

                    return componentsschemas_condition_type_7
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_8 = ConditionContactTag.from_dict(data)

                    return componentsschemas_condition_type_8
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_9 = ConditionLabel.from_dict(data)

                    return componentsschemas_condition_type_9
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_10 = ConditionPriority.from_dict(data)

                    return componentsschemas_condition_type_10
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_11 = ConditionStatus.from_dict(data)

                    return componentsschemas_condition_type_11
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_12 = ConditionWithinBusinessHours.from_dict(data)

                    return componentsschemas_condition_type_12
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_13 = ConditionLanguage.from_dict(data)

                    return componentsschemas_condition_type_13
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_condition_type_14 = ConditionAutomated.from_dict(data)

                    return componentsschemas_condition_type_14
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_condition_type_15 = ConditionAuthorIsBot.from_dict(data)

                return componentsschemas_condition_type_15

            any_item = _parse_any_item(any_item_data)

            any_.append(any_item)

        condition_any = cls(
            any_=any_,
        )

        return condition_any
