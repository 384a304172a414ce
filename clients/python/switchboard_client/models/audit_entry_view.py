from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.audit_entry_view_detail import AuditEntryViewDetail


T = TypeVar("T", bound="AuditEntryView")


@_attrs_define
class AuditEntryView:
    """One audit entry.

    Attributes:
        action (str):
        actor_kind (str): `agent`, `token`, `system` or `anonymous`.
        at (datetime.datetime):
        detail (AuditEntryViewDetail):
        id (int):
        actor_id (int | None | Unset): The agent's or the token's id (by `actor_kind`).
        actor_label (None | str | Unset): The agent's or token's name when recorded; the address tried for a failed
            sign-in.
        agent_id (int | None | Unset):
        contact_id (int | None | Unset):
        ip (None | str | Unset): The client's address.
        subject_id (None | str | Unset):
        subject_kind (None | str | Unset):
    """

    action: str
    actor_kind: str
    at: datetime.datetime
    detail: AuditEntryViewDetail
    id: int
    actor_id: int | None | Unset = UNSET
    actor_label: None | str | Unset = UNSET
    agent_id: int | None | Unset = UNSET
    contact_id: int | None | Unset = UNSET
    ip: None | str | Unset = UNSET
    subject_id: None | str | Unset = UNSET
    subject_kind: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        actor_kind = self.actor_kind

        at = self.at.isoformat()

        detail = self.detail.to_dict()

        id = self.id

        actor_id: int | None | Unset
        if isinstance(self.actor_id, Unset):
            actor_id = UNSET
        else:
            actor_id = self.actor_id

        actor_label: None | str | Unset
        if isinstance(self.actor_label, Unset):
            actor_label = UNSET
        else:
            actor_label = self.actor_label

        agent_id: int | None | Unset
        if isinstance(self.agent_id, Unset):
            agent_id = UNSET
        else:
            agent_id = self.agent_id

        contact_id: int | None | Unset
        if isinstance(self.contact_id, Unset):
            contact_id = UNSET
        else:
            contact_id = self.contact_id

        ip: None | str | Unset
        if isinstance(self.ip, Unset):
            ip = UNSET
        else:
            ip = self.ip

        subject_id: None | str | Unset
        if isinstance(self.subject_id, Unset):
            subject_id = UNSET
        else:
            subject_id = self.subject_id

        subject_kind: None | str | Unset
        if isinstance(self.subject_kind, Unset):
            subject_kind = UNSET
        else:
            subject_kind = self.subject_kind

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor_kind": actor_kind,
                "at": at,
                "detail": detail,
                "id": id,
            }
        )
        if actor_id is not UNSET:
            field_dict["actor_id"] = actor_id
        if actor_label is not UNSET:
            field_dict["actor_label"] = actor_label
        if agent_id is not UNSET:
            field_dict["agent_id"] = agent_id
        if contact_id is not UNSET:
            field_dict["contact_id"] = contact_id
        if ip is not UNSET:
            field_dict["ip"] = ip
        if subject_id is not UNSET:
            field_dict["subject_id"] = subject_id
        if subject_kind is not UNSET:
            field_dict["subject_kind"] = subject_kind

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_entry_view_detail import AuditEntryViewDetail  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        actor_kind = d.pop("actor_kind")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        detail = AuditEntryViewDetail.from_dict(d.pop("detail"))

        id = d.pop("id")

        def _parse_actor_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        actor_id = _parse_actor_id(d.pop("actor_id", UNSET))

        def _parse_actor_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        actor_label = _parse_actor_label(d.pop("actor_label", UNSET))

        def _parse_agent_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        agent_id = _parse_agent_id(d.pop("agent_id", UNSET))

        def _parse_contact_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        contact_id = _parse_contact_id(d.pop("contact_id", UNSET))

        def _parse_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ip = _parse_ip(d.pop("ip", UNSET))

        def _parse_subject_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject_id = _parse_subject_id(d.pop("subject_id", UNSET))

        def _parse_subject_kind(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        subject_kind = _parse_subject_kind(d.pop("subject_kind", UNSET))

        audit_entry_view = cls(
            action=action,
            actor_kind=actor_kind,
            at=at,
            detail=detail,
            id=id,
            actor_id=actor_id,
            actor_label=actor_label,
            agent_id=agent_id,
            contact_id=contact_id,
            ip=ip,
            subject_id=subject_id,
            subject_kind=subject_kind,
        )

        audit_entry_view.additional_properties = d
        return audit_entry_view

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
