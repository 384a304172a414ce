from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.retention_preview_conversations import RetentionPreviewConversations
    from ..models.retention_preview_expired_attachments import RetentionPreviewExpiredAttachments
    from ..models.retention_preview_messages import RetentionPreviewMessages


T = TypeVar("T", bound="RetentionPreview")


@_attrs_define
class RetentionPreview:
    """What a retention pass would delete now.

    Attributes:
        conversations (RetentionPreviewConversations): Resolved conversations past their period, per channel.
        events (int): Event log rows.
        expired_attachments (RetentionPreviewExpiredAttachments): Messages whose attachment files would be deleted (the
            messages stay), per channel.
        messages (RetentionPreviewMessages): Their messages, per channel.
        sessions (int): Expired web sessions.
        webhook_deliveries (int): Finished event-webhook deliveries.
    """

    conversations: RetentionPreviewConversations
    events: int
    expired_attachments: RetentionPreviewExpiredAttachments
    messages: RetentionPreviewMessages
    sessions: int
    webhook_deliveries: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversations = self.conversations.to_dict()

        events = self.events

        expired_attachments = self.expired_attachments.to_dict()

        messages = self.messages.to_dict()

        sessions = self.sessions

        webhook_deliveries = self.webhook_deliveries

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversations": conversations,
                "events": events,
                "expired_attachments": expired_attachments,
                "messages": messages,
                "sessions": sessions,
                "webhook_deliveries": webhook_deliveries,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.retention_preview_conversations import RetentionPreviewConversations  # noqa: PLC0415
        from ..models.retention_preview_expired_attachments import RetentionPreviewExpiredAttachments  # noqa: PLC0415
        from ..models.retention_preview_messages import RetentionPreviewMessages  # noqa: PLC0415

        d = dict(src_dict)
        conversations = RetentionPreviewConversations.from_dict(d.pop("conversations"))

        events = d.pop("events")

        expired_attachments = RetentionPreviewExpiredAttachments.from_dict(d.pop("expired_attachments"))

        messages = RetentionPreviewMessages.from_dict(d.pop("messages"))

        sessions = d.pop("sessions")

        webhook_deliveries = d.pop("webhook_deliveries")

        retention_preview = cls(
            conversations=conversations,
            events=events,
            expired_attachments=expired_attachments,
            messages=messages,
            sessions=sessions,
            webhook_deliveries=webhook_deliveries,
        )

        retention_preview.additional_properties = d
        return retention_preview

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
