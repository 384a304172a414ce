from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.campaign_state import CampaignState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.funnel_counts import FunnelCounts


T = TypeVar("T", bound="CampaignProgressData")


@_attrs_define
class CampaignProgressData:
    """`data` of `campaign.progress`: a campaign changed state (`state`), reported its funnel while
    running (`state: running` and `funnel`), or had its in-doubt sends released
    (`resent_in_doubt`).

        Attributes:
            campaign (int): A marketing campaign.
            funnel (FunnelCounts | Unset): Counts of one channel of a campaign's funnel.
            resent_in_doubt (int | Unset): How many in-doubt sends were queued again.
            state (CampaignState | Unset):
    """

    campaign: int
    funnel: FunnelCounts | Unset = UNSET
    resent_in_doubt: int | Unset = UNSET
    state: CampaignState | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        campaign = self.campaign

        funnel: dict[str, Any] | Unset = UNSET
        if not isinstance(self.funnel, Unset):
            funnel = self.funnel.to_dict()

        resent_in_doubt = self.resent_in_doubt

        state: str | Unset = UNSET
        if not isinstance(self.state, Unset):
            state = self.state.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "campaign": campaign,
            }
        )
        if funnel is not UNSET:
            field_dict["funnel"] = funnel
        if resent_in_doubt is not UNSET:
            field_dict["resent_in_doubt"] = resent_in_doubt
        if state is not UNSET:
            field_dict["state"] = state

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.funnel_counts import FunnelCounts  # noqa: PLC0415

        d = dict(src_dict)
        campaign = d.pop("campaign")

        _funnel = d.pop("funnel", UNSET)
        funnel: FunnelCounts | Unset
        if isinstance(_funnel, Unset):
            funnel = UNSET
        else:
            funnel = FunnelCounts.from_dict(_funnel)

        resent_in_doubt = d.pop("resent_in_doubt", UNSET)

        _state = d.pop("state", UNSET)
        state: CampaignState | Unset
        if isinstance(_state, Unset):
            state = UNSET
        else:
            state = CampaignState(_state)

        campaign_progress_data = cls(
            campaign=campaign,
            funnel=funnel,
            resent_in_doubt=resent_in_doubt,
            state=state,
        )

        campaign_progress_data.additional_properties = d
        return campaign_progress_data

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
