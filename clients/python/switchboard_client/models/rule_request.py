from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.trigger import Trigger
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.action_add_label import ActionAddLabel
    from ..models.action_assign_agent import ActionAssignAgent
    from ..models.action_assign_policy import ActionAssignPolicy
    from ..models.action_assign_team import ActionAssignTeam
    from ..models.action_assist_classify import ActionAssistClassify
    from ..models.action_note import ActionNote
    from ..models.action_remove_label import ActionRemoveLabel
    from ..models.action_reply import ActionReply
    from ..models.action_send_csat import ActionSendCsat
    from ..models.action_set_priority import ActionSetPriority
    from ..models.action_set_sla import ActionSetSla
    from ..models.action_set_status import ActionSetStatus
    from ..models.action_snooze_for import ActionSnoozeFor
    from ..models.action_snooze_until_open import ActionSnoozeUntilOpen
    from ..models.action_webhook import ActionWebhook
    from ..models.condition_all import ConditionAll
    from ..models.condition_any import ConditionAny
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


T = TypeVar("T", bound="RuleRequest")


@_attrs_define
class RuleRequest:
    """Body of a create or replace: the rule, and optionally where it goes among API rules.

    Attributes:
        actions (list[ActionAddLabel | ActionAssignAgent | ActionAssignPolicy | ActionAssignTeam | ActionAssistClassify
            | ActionNote | ActionRemoveLabel | ActionReply | ActionSendCsat | ActionSetPriority | ActionSetSla |
            ActionSetStatus | ActionSnoozeFor | ActionSnoozeUntilOpen | ActionWebhook]): Applied in order, all or nothing.
        name (str): Unique; shown on every activity line the rule writes.
        on (Trigger): The events rules listen to.
        enabled (bool | Unset):
        idle_for (None | str | Unset):
        position (int | None | Unset):
        stop (bool | Unset): When the rule applies, later rules are not evaluated for this event.
        when (ConditionAll | ConditionAny | ConditionAuthorIsBot | ConditionAutomated | ConditionChannel |
            ConditionChannelKind | ConditionContactAttribute | ConditionContactTag | ConditionLabel | ConditionLanguage |
            ConditionNot | ConditionPriority | ConditionStatus | ConditionTextContains | ConditionTextMatches |
            ConditionWithinBusinessHours | None | Unset):
    """

    actions: list[
        ActionAddLabel
        | ActionAssignAgent
        | ActionAssignPolicy
        | ActionAssignTeam
        | ActionAssistClassify
        | ActionNote
        | ActionRemoveLabel
        | ActionReply
        | ActionSendCsat
        | ActionSetPriority
        | ActionSetSla
        | ActionSetStatus
        | ActionSnoozeFor
        | ActionSnoozeUntilOpen
        | ActionWebhook
    ]
    name: str
    on: Trigger
    enabled: bool | Unset = UNSET
    idle_for: None | str | Unset = UNSET
    position: int | None | Unset = UNSET
    stop: bool | Unset = UNSET
    when: (
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
        | None
        | Unset
    ) = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.action_add_label import ActionAddLabel  # noqa: PLC0415
        from ..models.action_assign_agent import ActionAssignAgent  # noqa: PLC0415
        from ..models.action_assign_policy import ActionAssignPolicy  # noqa: PLC0415
        from ..models.action_assign_team import ActionAssignTeam  # noqa: PLC0415
        from ..models.action_note import ActionNote  # noqa: PLC0415
        from ..models.action_remove_label import ActionRemoveLabel  # noqa: PLC0415
        from ..models.action_reply import ActionReply  # noqa: PLC0415
        from ..models.action_send_csat import ActionSendCsat  # noqa: PLC0415
        from ..models.action_set_priority import ActionSetPriority  # noqa: PLC0415
        from ..models.action_set_sla import ActionSetSla  # noqa: PLC0415
        from ..models.action_set_status import ActionSetStatus  # noqa: PLC0415
        from ..models.action_snooze_for import ActionSnoozeFor  # noqa: PLC0415
        from ..models.action_snooze_until_open import ActionSnoozeUntilOpen  # noqa: PLC0415
        from ..models.action_webhook import ActionWebhook  # noqa: PLC0415
        from ..models.condition_all import ConditionAll  # noqa: PLC0415
        from ..models.condition_any import ConditionAny  # noqa: PLC0415
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

        actions = []
        for actions_item_data in self.actions:
            actions_item: dict[str, Any]
            if isinstance(actions_item_data, ActionAssignAgent):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionAssignTeam):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionAssignPolicy):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionAddLabel):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionRemoveLabel):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionSetPriority):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionSetStatus):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionSnoozeFor):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionSnoozeUntilOpen):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionReply):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionNote):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionWebhook):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionSetSla):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionSendCsat):
                actions_item = actions_item_data.to_dict()
            else:
                actions_item = actions_item_data.to_dict()

            actions.append(actions_item)

        name = self.name

        on = self.on.value

        enabled = self.enabled

        idle_for: None | str | Unset
        if isinstance(self.idle_for, Unset):
            idle_for = UNSET
        else:
            idle_for = self.idle_for

        position: int | None | Unset
        if isinstance(self.position, Unset):
            position = UNSET
        else:
            position = self.position

        stop = self.stop

        when: dict[str, Any] | None | Unset
        if isinstance(self.when, Unset):
            when = UNSET
        elif isinstance(self.when, ConditionAll):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionAny):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionNot):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionChannel):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionChannelKind):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionTextContains):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionTextMatches):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionContactAttribute):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionContactTag):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionLabel):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionPriority):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionStatus):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionWithinBusinessHours):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionLanguage):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionAutomated):
            when = self.when.to_dict()
        elif isinstance(self.when, ConditionAuthorIsBot):
            when = self.when.to_dict()
        else:
            when = self.when

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "actions": actions,
                "name": name,
                "on": on,
            }
        )
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if idle_for is not UNSET:
            field_dict["idle_for"] = idle_for
        if position is not UNSET:
            field_dict["position"] = position
        if stop is not UNSET:
            field_dict["stop"] = stop
        if when is not UNSET:
            field_dict["when"] = when

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.action_add_label import ActionAddLabel  # noqa: PLC0415
        from ..models.action_assign_agent import ActionAssignAgent  # noqa: PLC0415
        from ..models.action_assign_policy import ActionAssignPolicy  # noqa: PLC0415
        from ..models.action_assign_team import ActionAssignTeam  # noqa: PLC0415
        from ..models.action_assist_classify import ActionAssistClassify  # noqa: PLC0415
        from ..models.action_note import ActionNote  # noqa: PLC0415
        from ..models.action_remove_label import ActionRemoveLabel  # noqa: PLC0415
        from ..models.action_reply import ActionReply  # noqa: PLC0415
        from ..models.action_send_csat import ActionSendCsat  # noqa: PLC0415
        from ..models.action_set_priority import ActionSetPriority  # noqa: PLC0415
        from ..models.action_set_sla import ActionSetSla  # noqa: PLC0415
        from ..models.action_set_status import ActionSetStatus  # noqa: PLC0415
        from ..models.action_snooze_for import ActionSnoozeFor  # noqa: PLC0415
        from ..models.action_snooze_until_open import ActionSnoozeUntilOpen  # noqa: PLC0415
        from ..models.action_webhook import ActionWebhook  # noqa: PLC0415
        from ..models.condition_all import ConditionAll  # noqa: PLC0415
        from ..models.condition_any import ConditionAny  # noqa: PLC0415
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
        actions = []
        _actions = d.pop("actions")
        for actions_item_data in _actions:

            def _parse_actions_item(
                data: object,
            ) -> (
                ActionAddLabel
                | ActionAssignAgent
                | ActionAssignPolicy
                | ActionAssignTeam
                | ActionAssistClassify
                | ActionNote
                | ActionRemoveLabel
                | ActionReply
                | ActionSendCsat
                | ActionSetPriority
                | ActionSetSla
                | ActionSetStatus
                | ActionSnoozeFor
                | ActionSnoozeUntilOpen
                | ActionWebhook
            ):
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_0 = ActionAssignAgent.from_dict(data)

                    return componentsschemas_action_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_1 = ActionAssignTeam.from_dict(data)

                    return componentsschemas_action_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_2 = ActionAssignPolicy.from_dict(data)

                    return componentsschemas_action_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_3 = ActionAddLabel.from_dict(data)

                    return componentsschemas_action_type_3
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_4 = ActionRemoveLabel.from_dict(data)

                    return componentsschemas_action_type_4
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_5 = ActionSetPriority.from_dict(data)

                    return componentsschemas_action_type_5
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_6 = ActionSetStatus.from_dict(data)

                    return componentsschemas_action_type_6
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_7 = ActionSnoozeFor.from_dict(data)

                    return componentsschemas_action_type_7
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_8 = ActionSnoozeUntilOpen.from_dict(data)

                    return componentsschemas_action_type_8
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_9 = ActionReply.from_dict(data)

                    return componentsschemas_action_type_9
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_10 = ActionNote.from_dict(data)

                    return componentsschemas_action_type_10
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_11 = ActionWebhook.from_dict(data)

                    return componentsschemas_action_type_11
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_12 = ActionSetSla.from_dict(data)

                    return componentsschemas_action_type_12
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_13 = ActionSendCsat.from_dict(data)

                    return componentsschemas_action_type_13
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_action_type_14 = ActionAssistClassify.from_dict(data)

                return componentsschemas_action_type_14

            actions_item = _parse_actions_item(actions_item_data)

            actions.append(actions_item)

        name = d.pop("name")

        on = Trigger(d.pop("on"))

        enabled = d.pop("enabled", UNSET)

        def _parse_idle_for(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        idle_for = _parse_idle_for(d.pop("idle_for", UNSET))

        def _parse_position(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        position = _parse_position(d.pop("position", UNSET))

        stop = d.pop("stop", UNSET)

        def _parse_when(
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
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
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
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_condition_type_15 = ConditionAuthorIsBot.from_dict(data)

                return componentsschemas_condition_type_15
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
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
                | None
                | Unset,
                data,
            )

        when = _parse_when(d.pop("when", UNSET))

        rule_request = cls(
            actions=actions,
            name=name,
            on=on,
            enabled=enabled,
            idle_for=idle_for,
            position=position,
            stop=stop,
            when=when,
        )

        return rule_request
