from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.conversation_status import ConversationStatus
from ..models.priority import Priority
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.csat_view import CsatView
    from ..models.reply_window_view import ReplyWindowView
    from ..models.sla_view import SlaView


T = TypeVar("T", bound="ConversationDetailView")


@_attrs_define
class ConversationDetailView:
    """One conversation as `GET /api/v1/conversations/{id}` answers it: the conversation and
    whether a free-form reply may go out now (computed per read, so lists leave it out).

        Attributes:
            channel (str):
            contact_id (int): A contact (a customer, across all their channels).
            created_at (datetime.datetime):
            id (int): A conversation; also shown to customers as its ticket number.
            labels (list[str]):
            last_activity_at (datetime.datetime):
            priority (Priority):
            reply_window (ReplyWindowView): Whether an agent may write free-form text to the customer now. Some channels
                (WhatsApp)
                allow it only for a while after the customer's last message; after that only an approved
                template goes out, and a free-form reply is refused with 422.
            status (ConversationStatus):
            thread_key (str):
            assignee_id (int | None | Unset):
            csat (CsatView | None | Unset):
            first_reply_at (datetime.datetime | None | Unset):
            last_message (None | str | Unset):
            resolved_at (datetime.datetime | None | Unset):
            sla (None | SlaView | Unset):
            snoozed_until (datetime.datetime | None | Unset):
            subject (None | str | Unset):
            team_id (int | None | Unset):
            unanswerable_reason (None | str | Unset): Why no reply can reach the channel now (e.g. the bot was removed from
                the Telegram
                group the conversation is): replies are refused with 422 while it is set. Null while
                replies can go out.
            waiting_since (datetime.datetime | None | Unset):
    """

    channel: str
    contact_id: int
    created_at: datetime.datetime
    id: int
    labels: list[str]
    last_activity_at: datetime.datetime
    priority: Priority
    reply_window: ReplyWindowView
    status: ConversationStatus
    thread_key: str
    assignee_id: int | None | Unset = UNSET
    csat: CsatView | None | Unset = UNSET
    first_reply_at: datetime.datetime | None | Unset = UNSET
    last_message: None | str | Unset = UNSET
    resolved_at: datetime.datetime | None | Unset = UNSET
    sla: None | SlaView | Unset = UNSET
    snoozed_until: datetime.datetime | None | Unset = UNSET
    subject: None | str | Unset = UNSET
    team_id: int | None | Unset = UNSET
    unanswerable_reason: None | str | Unset = UNSET
    waiting_since: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.csat_view import CsatView  # noqa: PLC0415
        from ..models.sla_view import SlaView  # noqa: PLC0415

        channel = self.channel

        contact_id = self.contact_id

        created_at = self.created_at.isoformat()

        id = self.id

        labels = self.labels

        last_activity_at = self.last_activity_at.isoformat()

        priority = self.priority.value

        reply_window = self.reply_window.to_dict()

        status = self.status.value

        thread_key = self.thread_key

        assignee_id: int | None | Unset
        if isinstance(self.assignee_id, Unset):
            assignee_id = UNSET
        else:
            assignee_id = self.assignee_id

        csat: dict[str, Any] | None | Unset
        if isinstance(self.csat, Unset):
            csat = UNSET
        elif isinstance(self.csat, CsatView):
            csat = self.csat.to_dict()
        else:
            csat = self.csat

        first_reply_at: None | str | Unset
        if isinstance(self.first_reply_at, Unset):
            first_reply_at = UNSET
        elif isinstance(self.first_reply_at, datetime.datetime):
            first_reply_at = self.first_reply_at.isoformat()
        else:
            first_reply_at = self.first_reply_at

        last_message: None | str | Unset
        if isinstance(self.last_message, Unset):
            last_message = UNSET
        else:
            last_message = self.last_message

        resolved_at: None | str | Unset
        if isinstance(self.resolved_at, Unset):
            resolved_at = UNSET
        elif isinstance(self.resolved_at, datetime.datetime):
            resolved_at = self.resolved_at.isoformat()
        else:
            resolved_at = self.resolved_at

        sla: dict[str, Any] | None | Unset
        if isinstance(self.sla, Unset):
            sla = UNSET
        elif isinstance(self.sla, SlaView):
            sla = self.sla.to_dict()
        else:
            sla = self.sla

        snoozed_until: None | str | Unset
        if isinstance(self.snoozed_until, Unset):
            snoozed_until = UNSET
        elif isinstance(self.snoozed_until, datetime.datetime):
            snoozed_until = self.snoozed_until.isoformat()
        else:
            snoozed_until = self.snoozed_until

        subject: None | str | Unset
        if isinstance(self.subject, Unset):
            subject = UNSET
        else:
            subject = self.subject

        team_id: int | None | Unset
        if isinstance(self.team_id, Unset):
            team_id = UNSET
        else:
            team_id = self.team_id

        unanswerable_reason: None | str | Unset
        if isinstance(self.unanswerable_reason, Unset):
            unanswerable_reason = UNSET
        else:
            unanswerable_reason = self.unanswerable_reason

        waiting_since: None | str | Unset
        if isinstance(self.waiting_since, Unset):
            waiting_since = UNSET
        elif isinstance(self.waiting_since, datetime.datetime):
            waiting_since = self.waiting_since.isoformat()
        else:
            waiting_since = self.waiting_since

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel": channel,
                "contact_id": contact_id,
                "created_at": created_at,
                "id": id,
                "labels": labels,
                "last_activity_at": last_activity_at,
                "priority": priority,
                "reply_window": reply_window,
                "status": status,
                "thread_key": thread_key,
            }
        )
        if assignee_id is not UNSET:
            field_dict["assignee_id"] = assignee_id
        if csat is not UNSET:
            field_dict["csat"] = csat
        if first_reply_at is not UNSET:
            field_dict["first_reply_at"] = first_reply_at
        if last_message is not UNSET:
            field_dict["last_message"] = last_message
        if resolved_at is not UNSET:
            field_dict["resolved_at"] = resolved_at
        if sla is not UNSET:
            field_dict["sla"] = sla
        if snoozed_until is not UNSET:
            field_dict["snoozed_until"] = snoozed_until
        if subject is not UNSET:
            field_dict["subject"] = subject
        if team_id is not UNSET:
            field_dict["team_id"] = team_id
        if unanswerable_reason is not UNSET:
            field_dict["unanswerable_reason"] = unanswerable_reason
        if waiting_since is not UNSET:
            field_dict["waiting_since"] = waiting_since

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.csat_view import CsatView  # noqa: PLC0415
        from ..models.reply_window_view import ReplyWindowView  # noqa: PLC0415
        from ..models.sla_view import SlaView  # noqa: PLC0415

        d = dict(src_dict)
        channel = d.pop("channel")

        contact_id = d.pop("contact_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        labels = cast(list[str], d.pop("labels"))

        last_activity_at = datetime.datetime.fromisoformat(d.pop("last_activity_at"))

        priority = Priority(d.pop("priority"))

        reply_window = ReplyWindowView.from_dict(d.pop("reply_window"))

        status = ConversationStatus(d.pop("status"))

        thread_key = d.pop("thread_key")

        def _parse_assignee_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        assignee_id = _parse_assignee_id(d.pop("assignee_id", UNSET))

        def _parse_csat(data: object) -> CsatView | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                csat_type_1 = CsatView.from_dict(data)

                return csat_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CsatView | None | Unset, data)

        csat = _parse_csat(d.pop("csat", UNSET))

        def _parse_first_reply_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                first_reply_at_type_0 = datetime.datetime.fromisoformat(data)

                return first_reply_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        first_reply_at = _parse_first_reply_at(d.pop("first_reply_at", UNSET))

        def _parse_last_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_message = _parse_last_message(d.pop("last_message", UNSET))

        def _parse_resolved_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolved_at_type_0 = datetime.datetime.fromisoformat(data)

                return resolved_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        resolved_at = _parse_resolved_at(d.pop("resolved_at", UNSET))

        def _parse_sla(data: object) -> None | SlaView | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sla_type_1 = SlaView.from_dict(data)

                return sla_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SlaView | Unset, data)

        sla = _parse_sla(d.pop("sla", UNSET))

        def _parse_snoozed_until(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                snoozed_until_type_0 = datetime.datetime.fromisoformat(data)

                return snoozed_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        snoozed_until = _parse_snoozed_until(d.pop("snoozed_until", UNSET))

        def _parse_subject(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject = _parse_subject(d.pop("subject", UNSET))

        def _parse_team_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        team_id = _parse_team_id(d.pop("team_id", UNSET))

        def _parse_unanswerable_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        unanswerable_reason = _parse_unanswerable_reason(d.pop("unanswerable_reason", UNSET))

        def _parse_waiting_since(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                waiting_since_type_0 = datetime.datetime.fromisoformat(data)

                return waiting_since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        waiting_since = _parse_waiting_since(d.pop("waiting_since", UNSET))

        conversation_detail_view = cls(
            channel=channel,
            contact_id=contact_id,
            created_at=created_at,
            id=id,
            labels=labels,
            last_activity_at=last_activity_at,
            priority=priority,
            reply_window=reply_window,
            status=status,
            thread_key=thread_key,
            assignee_id=assignee_id,
            csat=csat,
            first_reply_at=first_reply_at,
            last_message=last_message,
            resolved_at=resolved_at,
            sla=sla,
            snoozed_until=snoozed_until,
            subject=subject,
            team_id=team_id,
            unanswerable_reason=unanswerable_reason,
            waiting_since=waiting_since,
        )

        conversation_detail_view.additional_properties = d
        return conversation_detail_view

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
