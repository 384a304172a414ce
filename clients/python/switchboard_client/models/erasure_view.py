from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.erasure_state import ErasureState
from ..models.erasure_step import ErasureStep
from ..types import UNSET, Unset

T = TypeVar("T", bound="ErasureView")


@_attrs_define
class ErasureView:
    """An erasure job and how far it got.

    Attributes:
        contact_id (int): A contact (a customer, across all their channels).
        created_at (datetime.datetime):
        events_scrubbed (int):
        files_deleted (int):
        files_kept (int): Attachment files left because another contact's message shares them.
        id (int): A contact's erasure job.
        messages_erased (int):
        reason (str):
        state (ErasureState):
        step (ErasureStep):
        finished_at (datetime.datetime | None | Unset):
        last_error (None | str | Unset):
        requested_by (int | None | Unset):
    """

    contact_id: int
    created_at: datetime.datetime
    events_scrubbed: int
    files_deleted: int
    files_kept: int
    id: int
    messages_erased: int
    reason: str
    state: ErasureState
    step: ErasureStep
    finished_at: datetime.datetime | None | Unset = UNSET
    last_error: None | str | Unset = UNSET
    requested_by: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        contact_id = self.contact_id

        created_at = self.created_at.isoformat()

        events_scrubbed = self.events_scrubbed

        files_deleted = self.files_deleted

        files_kept = self.files_kept

        id = self.id

        messages_erased = self.messages_erased

        reason = self.reason

        state = self.state.value

        step = self.step.value

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        last_error: None | str | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        else:
            last_error = self.last_error

        requested_by: int | None | Unset
        if isinstance(self.requested_by, Unset):
            requested_by = UNSET
        else:
            requested_by = self.requested_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "contact_id": contact_id,
                "created_at": created_at,
                "events_scrubbed": events_scrubbed,
                "files_deleted": files_deleted,
                "files_kept": files_kept,
                "id": id,
                "messages_erased": messages_erased,
                "reason": reason,
                "state": state,
                "step": step,
            }
        )
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if last_error is not UNSET:
            field_dict["last_error"] = last_error
        if requested_by is not UNSET:
            field_dict["requested_by"] = requested_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        contact_id = d.pop("contact_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        events_scrubbed = d.pop("events_scrubbed")

        files_deleted = d.pop("files_deleted")

        files_kept = d.pop("files_kept")

        id = d.pop("id")

        messages_erased = d.pop("messages_erased")

        reason = d.pop("reason")

        state = ErasureState(d.pop("state"))

        step = ErasureStep(d.pop("step"))

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        def _parse_last_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error = _parse_last_error(d.pop("last_error", UNSET))

        def _parse_requested_by(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        requested_by = _parse_requested_by(d.pop("requested_by", UNSET))

        erasure_view = cls(
            contact_id=contact_id,
            created_at=created_at,
            events_scrubbed=events_scrubbed,
            files_deleted=files_deleted,
            files_kept=files_kept,
            id=id,
            messages_erased=messages_erased,
            reason=reason,
            state=state,
            step=step,
            finished_at=finished_at,
            last_error=last_error,
            requested_by=requested_by,
        )

        erasure_view.additional_properties = d
        return erasure_view

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
