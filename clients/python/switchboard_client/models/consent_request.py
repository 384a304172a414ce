from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.channel_kind import ChannelKind
from ..types import UNSET, Unset

T = TypeVar("T", bound="ConsentRequest")


@_attrs_define
class ConsentRequest:
    """One decision to record.

    Attributes:
        channel (ChannelKind): The kinds of channel Switchboard speaks, as written in `[[channels]] kind = "…"`.
        granted (bool):
        proof (None | str | Unset): Evidence: the form's IP address, a document id.
    """

    channel: ChannelKind
    granted: bool
    proof: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel.value

        granted = self.granted

        proof: None | str | Unset
        if isinstance(self.proof, Unset):
            proof = UNSET
        else:
            proof = self.proof

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "channel": channel,
                "granted": granted,
            }
        )
        if proof is not UNSET:
            field_dict["proof"] = proof

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = ChannelKind(d.pop("channel"))

        granted = d.pop("granted")

        def _parse_proof(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        proof = _parse_proof(d.pop("proof", UNSET))

        consent_request = cls(
            channel=channel,
            granted=granted,
            proof=proof,
        )

        return consent_request
