from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.author_type import AuthorType
from ..models.delivery_status import DeliveryStatus
from ..models.direction import Direction
from ..models.message_kind import MessageKind
from ..models.redacted import Redacted
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attachment_view import AttachmentView
    from ..models.reaction_view import ReactionView


T = TypeVar("T", bound="MessageView")


@_attrs_define
class MessageView:
    """A message, note or activity.

    Attributes:
        attachments (list[AttachmentView]):
        author_type (AuthorType):
        automated (bool): Sent by a machine (auto-reply, mailing list, bounce): rules and bots never answer it.
        channel (str):
        conversation_id (int): A conversation; also shown to customers as its ticket number.
        created_at (datetime.datetime):
        direction (Direction):
        id (int): A message, note or activity in a conversation.
        kind (MessageKind):
        reactions (list[ReactionView]): Emoji reactions on this message, one per reacting person (a reaction is never a
            message of its own).
        text (str): What the author wrote in this message. For email: without the quoted earlier mail
            and the signature; a quoted block followed by more of the sender's words is shown
            as its first line (`> first line …`).
        author_id (int | None | Unset):
        delivery_error (None | str | Unset):
        delivery_status (DeliveryStatus | None | Unset):
        edited_at (datetime.datetime | None | Unset): Set when the customer edited the message; earlier texts are at
            `.../revisions`.
        external_id (None | str | Unset):
        full_text (None | str | Unset): The whole text as received, when `text` is abridged from it (email); otherwise
            null.
        html (None | str | Unset): Sanitised HTML, when the channel carries it. Inline images (`cid:`) whose part is
            kept point at `/api/v1/messages/{id}/attachments/{index}`.
        in_reply_to (int | None | Unset):
        redacted (None | Redacted | Unset):
        sent_at (datetime.datetime | None | Unset):
    """

    attachments: list[AttachmentView]
    author_type: AuthorType
    automated: bool
    channel: str
    conversation_id: int
    created_at: datetime.datetime
    direction: Direction
    id: int
    kind: MessageKind
    reactions: list[ReactionView]
    text: str
    author_id: int | None | Unset = UNSET
    delivery_error: None | str | Unset = UNSET
    delivery_status: DeliveryStatus | None | Unset = UNSET
    edited_at: datetime.datetime | None | Unset = UNSET
    external_id: None | str | Unset = UNSET
    full_text: None | str | Unset = UNSET
    html: None | str | Unset = UNSET
    in_reply_to: int | None | Unset = UNSET
    redacted: None | Redacted | Unset = UNSET
    sent_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attachments = []
        for attachments_item_data in self.attachments:
            attachments_item = attachments_item_data.to_dict()
            attachments.append(attachments_item)

        author_type = self.author_type.value

        automated = self.automated

        channel = self.channel

        conversation_id = self.conversation_id

        created_at = self.created_at.isoformat()

        direction = self.direction.value

        id = self.id

        kind = self.kind.value

        reactions = []
        for reactions_item_data in self.reactions:
            reactions_item = reactions_item_data.to_dict()
            reactions.append(reactions_item)

        text = self.text

        author_id: int | None | Unset
        if isinstance(self.author_id, Unset):
            author_id = UNSET
        else:
            author_id = self.author_id

        delivery_error: None | str | Unset
        if isinstance(self.delivery_error, Unset):
            delivery_error = UNSET
        else:
            delivery_error = self.delivery_error

        delivery_status: None | str | Unset
        if isinstance(self.delivery_status, Unset):
            delivery_status = UNSET
        elif isinstance(self.delivery_status, DeliveryStatus):
            delivery_status = self.delivery_status.value
        else:
            delivery_status = self.delivery_status

        edited_at: None | str | Unset
        if isinstance(self.edited_at, Unset):
            edited_at = UNSET
        elif isinstance(self.edited_at, datetime.datetime):
            edited_at = self.edited_at.isoformat()
        else:
            edited_at = self.edited_at

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        full_text: None | str | Unset
        if isinstance(self.full_text, Unset):
            full_text = UNSET
        else:
            full_text = self.full_text

        html: None | str | Unset
        if isinstance(self.html, Unset):
            html = UNSET
        else:
            html = self.html

        in_reply_to: int | None | Unset
        if isinstance(self.in_reply_to, Unset):
            in_reply_to = UNSET
        else:
            in_reply_to = self.in_reply_to

        redacted: None | str | Unset
        if isinstance(self.redacted, Unset):
            redacted = UNSET
        elif isinstance(self.redacted, Redacted):
            redacted = self.redacted.value
        else:
            redacted = self.redacted

        sent_at: None | str | Unset
        if isinstance(self.sent_at, Unset):
            sent_at = UNSET
        elif isinstance(self.sent_at, datetime.datetime):
            sent_at = self.sent_at.isoformat()
        else:
            sent_at = self.sent_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attachments": attachments,
                "author_type": author_type,
                "automated": automated,
                "channel": channel,
                "conversation_id": conversation_id,
                "created_at": created_at,
                "direction": direction,
                "id": id,
                "kind": kind,
                "reactions": reactions,
                "text": text,
            }
        )
        if author_id is not UNSET:
            field_dict["author_id"] = author_id
        if delivery_error is not UNSET:
            field_dict["delivery_error"] = delivery_error
        if delivery_status is not UNSET:
            field_dict["delivery_status"] = delivery_status
        if edited_at is not UNSET:
            field_dict["edited_at"] = edited_at
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if full_text is not UNSET:
            field_dict["full_text"] = full_text
        if html is not UNSET:
            field_dict["html"] = html
        if in_reply_to is not UNSET:
            field_dict["in_reply_to"] = in_reply_to
        if redacted is not UNSET:
            field_dict["redacted"] = redacted
        if sent_at is not UNSET:
            field_dict["sent_at"] = sent_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attachment_view import AttachmentView  # noqa: PLC0415
        from ..models.reaction_view import ReactionView  # noqa: PLC0415

        d = dict(src_dict)
        attachments = []
        _attachments = d.pop("attachments")
        for attachments_item_data in _attachments:
            attachments_item = AttachmentView.from_dict(attachments_item_data)

            attachments.append(attachments_item)

        author_type = AuthorType(d.pop("author_type"))

        automated = d.pop("automated")

        channel = d.pop("channel")

        conversation_id = d.pop("conversation_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        direction = Direction(d.pop("direction"))

        id = d.pop("id")

        kind = MessageKind(d.pop("kind"))

        reactions = []
        _reactions = d.pop("reactions")
        for reactions_item_data in _reactions:
            reactions_item = ReactionView.from_dict(reactions_item_data)

            reactions.append(reactions_item)

        text = d.pop("text")

        def _parse_author_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        author_id = _parse_author_id(d.pop("author_id", UNSET))

        def _parse_delivery_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        delivery_error = _parse_delivery_error(d.pop("delivery_error", UNSET))

        def _parse_delivery_status(data: object) -> DeliveryStatus | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delivery_status_type_1 = DeliveryStatus(data)

                return delivery_status_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeliveryStatus | None | Unset, data)

        delivery_status = _parse_delivery_status(d.pop("delivery_status", UNSET))

        def _parse_edited_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                edited_at_type_0 = datetime.datetime.fromisoformat(data)

                return edited_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        edited_at = _parse_edited_at(d.pop("edited_at", UNSET))

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        def _parse_full_text(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        full_text = _parse_full_text(d.pop("full_text", UNSET))

        def _parse_html(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        html = _parse_html(d.pop("html", UNSET))

        def _parse_in_reply_to(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        in_reply_to = _parse_in_reply_to(d.pop("in_reply_to", UNSET))

        def _parse_redacted(data: object) -> None | Redacted | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                redacted_type_1 = Redacted(data)

                return redacted_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Redacted | Unset, data)

        redacted = _parse_redacted(d.pop("redacted", UNSET))

        def _parse_sent_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                sent_at_type_0 = datetime.datetime.fromisoformat(data)

                return sent_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        sent_at = _parse_sent_at(d.pop("sent_at", UNSET))

        message_view = cls(
            attachments=attachments,
            author_type=author_type,
            automated=automated,
            channel=channel,
            conversation_id=conversation_id,
            created_at=created_at,
            direction=direction,
            id=id,
            kind=kind,
            reactions=reactions,
            text=text,
            author_id=author_id,
            delivery_error=delivery_error,
            delivery_status=delivery_status,
            edited_at=edited_at,
            external_id=external_id,
            full_text=full_text,
            html=html,
            in_reply_to=in_reply_to,
            redacted=redacted,
            sent_at=sent_at,
        )

        message_view.additional_properties = d
        return message_view

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
