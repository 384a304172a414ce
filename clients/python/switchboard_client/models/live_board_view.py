from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.live_agent_view import LiveAgentView
    from ..models.live_breach_view import LiveBreachView
    from ..models.live_queue_view import LiveQueueView


T = TypeVar("T", bound="LiveBoardView")


@_attrs_define
class LiveBoardView:
    """The live board.

    Attributes:
        agents (list[LiveAgentView]): Agents (and admins who take conversations), by name; an agent gets only
            themselves.
        at (datetime.datetime): When it was read.
        queue (LiveQueueView): The queue now.
        sla_breaches (list[LiveBreachView]): The longest-breaching of them (at most 20), longest first.
        sla_breaching (int): How many unresolved conversations breach their SLA now.
    """

    agents: list[LiveAgentView]
    at: datetime.datetime
    queue: LiveQueueView
    sla_breaches: list[LiveBreachView]
    sla_breaching: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        agents = []
        for agents_item_data in self.agents:
            agents_item = agents_item_data.to_dict()
            agents.append(agents_item)

        at = self.at.isoformat()

        queue = self.queue.to_dict()

        sla_breaches = []
        for sla_breaches_item_data in self.sla_breaches:
            sla_breaches_item = sla_breaches_item_data.to_dict()
            sla_breaches.append(sla_breaches_item)

        sla_breaching = self.sla_breaching

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "agents": agents,
                "at": at,
                "queue": queue,
                "sla_breaches": sla_breaches,
                "sla_breaching": sla_breaching,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.live_agent_view import LiveAgentView  # noqa: PLC0415
        from ..models.live_breach_view import LiveBreachView  # noqa: PLC0415
        from ..models.live_queue_view import LiveQueueView  # noqa: PLC0415

        d = dict(src_dict)
        agents = []
        _agents = d.pop("agents")
        for agents_item_data in _agents:
            agents_item = LiveAgentView.from_dict(agents_item_data)

            agents.append(agents_item)

        at = datetime.datetime.fromisoformat(d.pop("at"))

        queue = LiveQueueView.from_dict(d.pop("queue"))

        sla_breaches = []
        _sla_breaches = d.pop("sla_breaches")
        for sla_breaches_item_data in _sla_breaches:
            sla_breaches_item = LiveBreachView.from_dict(sla_breaches_item_data)

            sla_breaches.append(sla_breaches_item)

        sla_breaching = d.pop("sla_breaching")

        live_board_view = cls(
            agents=agents,
            at=at,
            queue=queue,
            sla_breaches=sla_breaches,
            sla_breaching=sla_breaching,
        )

        live_board_view.additional_properties = d
        return live_board_view

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
