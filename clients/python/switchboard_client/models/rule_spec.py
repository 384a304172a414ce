from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.trigger import Trigger
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.action_type_0 import ActionType0
    from ..models.action_type_1 import ActionType1
    from ..models.action_type_2 import ActionType2
    from ..models.action_type_3 import ActionType3
    from ..models.action_type_4 import ActionType4
    from ..models.action_type_5 import ActionType5
    from ..models.action_type_6 import ActionType6
    from ..models.action_type_7 import ActionType7
    from ..models.action_type_8 import ActionType8
    from ..models.action_type_9 import ActionType9
    from ..models.action_type_10 import ActionType10
    from ..models.action_type_11 import ActionType11
    from ..models.action_type_12 import ActionType12
    from ..models.rule_spec_when_type_0 import RuleSpecWhenType0


T = TypeVar("T", bound="RuleSpec")


@_attrs_define
class RuleSpec:
    """A rule as written by people.

    Attributes:
        actions (list[ActionType0 | ActionType1 | ActionType10 | ActionType11 | ActionType12 | ActionType2 | ActionType3
            | ActionType4 | ActionType5 | ActionType6 | ActionType7 | ActionType8 | ActionType9]): Applied in order, all or
            nothing.
        name (str): Unique; shown on every activity line the rule writes.
        on (Trigger): The events rules listen to.
        enabled (bool | Unset):
        idle_for (None | str | Unset):
        stop (bool | Unset): When the rule applies, later rules are not evaluated for this event.
        when (None | RuleSpecWhenType0 | Unset): The condition; absent means always.
    """

    actions: list[
        ActionType0
        | ActionType1
        | ActionType10
        | ActionType11
        | ActionType12
        | ActionType2
        | ActionType3
        | ActionType4
        | ActionType5
        | ActionType6
        | ActionType7
        | ActionType8
        | ActionType9
    ]
    name: str
    on: Trigger
    enabled: bool | Unset = UNSET
    idle_for: None | str | Unset = UNSET
    stop: bool | Unset = UNSET
    when: None | RuleSpecWhenType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.action_type_0 import ActionType0  # noqa: PLC0415
        from ..models.action_type_1 import ActionType1  # noqa: PLC0415
        from ..models.action_type_2 import ActionType2  # noqa: PLC0415
        from ..models.action_type_3 import ActionType3  # noqa: PLC0415
        from ..models.action_type_4 import ActionType4  # noqa: PLC0415
        from ..models.action_type_5 import ActionType5  # noqa: PLC0415
        from ..models.action_type_6 import ActionType6  # noqa: PLC0415
        from ..models.action_type_7 import ActionType7  # noqa: PLC0415
        from ..models.action_type_8 import ActionType8  # noqa: PLC0415
        from ..models.action_type_9 import ActionType9  # noqa: PLC0415
        from ..models.action_type_10 import ActionType10  # noqa: PLC0415
        from ..models.action_type_11 import ActionType11  # noqa: PLC0415
        from ..models.rule_spec_when_type_0 import RuleSpecWhenType0  # noqa: PLC0415

        actions = []
        for actions_item_data in self.actions:
            actions_item: dict[str, Any]
            if isinstance(actions_item_data, ActionType0):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionType1):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionType2):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionType3):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionType4):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionType5):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionType6):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionType7):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionType8):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionType9):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionType10):
                actions_item = actions_item_data.to_dict()
            elif isinstance(actions_item_data, ActionType11):
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

        stop = self.stop

        when: dict[str, Any] | None | Unset
        if isinstance(self.when, Unset):
            when = UNSET
        elif isinstance(self.when, RuleSpecWhenType0):
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
        if stop is not UNSET:
            field_dict["stop"] = stop
        if when is not UNSET:
            field_dict["when"] = when

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.action_type_0 import ActionType0  # noqa: PLC0415
        from ..models.action_type_1 import ActionType1  # noqa: PLC0415
        from ..models.action_type_2 import ActionType2  # noqa: PLC0415
        from ..models.action_type_3 import ActionType3  # noqa: PLC0415
        from ..models.action_type_4 import ActionType4  # noqa: PLC0415
        from ..models.action_type_5 import ActionType5  # noqa: PLC0415
        from ..models.action_type_6 import ActionType6  # noqa: PLC0415
        from ..models.action_type_7 import ActionType7  # noqa: PLC0415
        from ..models.action_type_8 import ActionType8  # noqa: PLC0415
        from ..models.action_type_9 import ActionType9  # noqa: PLC0415
        from ..models.action_type_10 import ActionType10  # noqa: PLC0415
        from ..models.action_type_11 import ActionType11  # noqa: PLC0415
        from ..models.action_type_12 import ActionType12  # noqa: PLC0415
        from ..models.rule_spec_when_type_0 import RuleSpecWhenType0  # noqa: PLC0415

        d = dict(src_dict)
        actions = []
        _actions = d.pop("actions")
        for actions_item_data in _actions:

            def _parse_actions_item(
                data: object,
            ) -> (
                ActionType0
                | ActionType1
                | ActionType10
                | ActionType11
                | ActionType12
                | ActionType2
                | ActionType3
                | ActionType4
                | ActionType5
                | ActionType6
                | ActionType7
                | ActionType8
                | ActionType9
            ):
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_0 = ActionType0.from_dict(data)

                    return componentsschemas_action_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_1 = ActionType1.from_dict(data)

                    return componentsschemas_action_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_2 = ActionType2.from_dict(data)

                    return componentsschemas_action_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_3 = ActionType3.from_dict(data)

                    return componentsschemas_action_type_3
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_4 = ActionType4.from_dict(data)

                    return componentsschemas_action_type_4
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_5 = ActionType5.from_dict(data)

                    return componentsschemas_action_type_5
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_6 = ActionType6.from_dict(data)

                    return componentsschemas_action_type_6
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_7 = ActionType7.from_dict(data)

                    return componentsschemas_action_type_7
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_8 = ActionType8.from_dict(data)

                    return componentsschemas_action_type_8
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_9 = ActionType9.from_dict(data)

                    return componentsschemas_action_type_9
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_10 = ActionType10.from_dict(data)

                    return componentsschemas_action_type_10
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    componentsschemas_action_type_11 = ActionType11.from_dict(data)

                    return componentsschemas_action_type_11
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_action_type_12 = ActionType12.from_dict(data)

                return componentsschemas_action_type_12

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

        stop = d.pop("stop", UNSET)

        def _parse_when(data: object) -> None | RuleSpecWhenType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                when_type_0 = RuleSpecWhenType0.from_dict(data)

                return when_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RuleSpecWhenType0 | Unset, data)

        when = _parse_when(d.pop("when", UNSET))

        rule_spec = cls(
            actions=actions,
            name=name,
            on=on,
            enabled=enabled,
            idle_for=idle_for,
            stop=stop,
            when=when,
        )

        return rule_spec
