from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.priority import Priority
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.campaign_reply_link import CampaignReplyLink
    from ..models.csat_answer_data import CsatAnswerData


T = TypeVar("T", bound="ConversationUpdatedData")


@_attrs_define
class ConversationUpdatedData:
    """`data` of `conversation.updated`: either labels or priority were changed (`labels` and
    `priority`, both as they are now), or a customer's reply was linked to the campaign it
    answers (`campaign_reply`), or the channel closed or opened the way for replies
    (`answerable`), or the customer answered the satisfaction survey (`csat`).

        Attributes:
            answerable (bool | Unset): Whether replies can reach the channel now: false when the bot was removed from the
                group the conversation is, true again when it was added back.
            campaign_reply (list[CampaignReplyLink] | Unset): The campaigns this reply answers, each with the label it
                added.
            csat (CsatAnswerData | Unset): A satisfaction survey answer, in `conversation.updated`.
            labels (list[str] | Unset): With `priority`: every label of the conversation now, sorted.
            priority (Priority | Unset):
            unanswerable_reason (str | Unset): With `answerable: false`: why.
    """

    answerable: bool | Unset = UNSET
    campaign_reply: list[CampaignReplyLink] | Unset = UNSET
    csat: CsatAnswerData | Unset = UNSET
    labels: list[str] | Unset = UNSET
    priority: Priority | Unset = UNSET
    unanswerable_reason: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        answerable = self.answerable

        campaign_reply: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.campaign_reply, Unset):
            campaign_reply = []
            for campaign_reply_item_data in self.campaign_reply:
                campaign_reply_item = campaign_reply_item_data.to_dict()
                campaign_reply.append(campaign_reply_item)

        csat: dict[str, Any] | Unset = UNSET
        if not isinstance(self.csat, Unset):
            csat = self.csat.to_dict()

        labels: list[str] | Unset = UNSET
        if not isinstance(self.labels, Unset):
            labels = self.labels

        priority: str | Unset = UNSET
        if not isinstance(self.priority, Unset):
            priority = self.priority.value

        unanswerable_reason = self.unanswerable_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if answerable is not UNSET:
            field_dict["answerable"] = answerable
        if campaign_reply is not UNSET:
            field_dict["campaign_reply"] = campaign_reply
        if csat is not UNSET:
            field_dict["csat"] = csat
        if labels is not UNSET:
            field_dict["labels"] = labels
        if priority is not UNSET:
            field_dict["priority"] = priority
        if unanswerable_reason is not UNSET:
            field_dict["unanswerable_reason"] = unanswerable_reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.campaign_reply_link import CampaignReplyLink  # noqa: PLC0415
        from ..models.csat_answer_data import CsatAnswerData  # noqa: PLC0415

        d = dict(src_dict)
        answerable = d.pop("answerable", UNSET)

        _campaign_reply = d.pop("campaign_reply", UNSET)
        campaign_reply: list[CampaignReplyLink] | Unset = UNSET
        if _campaign_reply is not UNSET:
            campaign_reply = []
            for campaign_reply_item_data in _campaign_reply:
                campaign_reply_item = CampaignReplyLink.from_dict(campaign_reply_item_data)

                campaign_reply.append(campaign_reply_item)

        _csat = d.pop("csat", UNSET)
        csat: CsatAnswerData | Unset
        if isinstance(_csat, Unset):
            csat = UNSET
        else:
            csat = CsatAnswerData.from_dict(_csat)

        labels = cast(list[str], d.pop("labels", UNSET))

        _priority = d.pop("priority", UNSET)
        priority: Priority | Unset
        if isinstance(_priority, Unset):
            priority = UNSET
        else:
            priority = Priority(_priority)

        unanswerable_reason = d.pop("unanswerable_reason", UNSET)

        conversation_updated_data = cls(
            answerable=answerable,
            campaign_reply=campaign_reply,
            csat=csat,
            labels=labels,
            priority=priority,
            unanswerable_reason=unanswerable_reason,
        )

        conversation_updated_data.additional_properties = d
        return conversation_updated_data

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
