from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ConsentView")


@_attrs_define
class ConsentView:
    """A contact's consent on one channel kind.

    Attributes:
        changed_at (datetime.datetime):
        channel (str): A channel kind: email, telegram, discord, whatsapp, messenger, instagram, webhook.
        granted (bool):
        source (str):
        proof (None | str | Unset):
    """

    changed_at: datetime.datetime
    channel: str
    granted: bool
    source: str
    proof: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        changed_at = self.changed_at.isoformat()

        channel = self.channel

        granted = self.granted

        source = self.source

        proof: None | str | Unset
        if isinstance(self.proof, Unset):
            proof = UNSET
        else:
            proof = self.proof

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "changed_at": changed_at,
                "channel": channel,
                "granted": granted,
                "source": source,
            }
        )
        if proof is not UNSET:
            field_dict["proof"] = proof

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        changed_at = datetime.datetime.fromisoformat(d.pop("changed_at"))

        channel = d.pop("channel")

        granted = d.pop("granted")

        source = d.pop("source")

        def _parse_proof(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        proof = _parse_proof(d.pop("proof", UNSET))

        consent_view = cls(
            changed_at=changed_at,
            channel=channel,
            granted=granted,
            source=source,
            proof=proof,
        )

        consent_view.additional_properties = d
        return consent_view

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
