from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.viewer_view import ViewerView


T = TypeVar("T", bound="PresenceView")


@_attrs_define
class PresenceView:
    """The agents in a conversation now; also the data of the `presence` stream event.

    Attributes:
        conversation_id (int): A conversation; also shown to customers as its ticket number.
        viewers (list[ViewerView]):
        visitor_typing (bool | Unset): The customer is typing in the website chat widget.
    """

    conversation_id: int
    viewers: list[ViewerView]
    visitor_typing: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversation_id = self.conversation_id

        viewers = []
        for viewers_item_data in self.viewers:
            viewers_item = viewers_item_data.to_dict()
            viewers.append(viewers_item)

        visitor_typing = self.visitor_typing

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversation_id": conversation_id,
                "viewers": viewers,
            }
        )
        if visitor_typing is not UNSET:
            field_dict["visitor_typing"] = visitor_typing

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.viewer_view import ViewerView  # noqa: PLC0415

        d = dict(src_dict)
        conversation_id = d.pop("conversation_id")

        viewers = []
        _viewers = d.pop("viewers")
        for viewers_item_data in _viewers:
            viewers_item = ViewerView.from_dict(viewers_item_data)

            viewers.append(viewers_item)

        visitor_typing = d.pop("visitor_typing", UNSET)

        presence_view = cls(
            conversation_id=conversation_id,
            viewers=viewers,
            visitor_typing=visitor_typing,
        )

        presence_view.additional_properties = d
        return presence_view

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
