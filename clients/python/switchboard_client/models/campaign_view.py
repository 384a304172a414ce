from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.campaign_state import CampaignState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.channel_plan import ChannelPlan
    from ..models.filter_active_within import FilterActiveWithin
    from ..models.filter_all import FilterAll
    from ..models.filter_any import FilterAny
    from ..models.filter_attribute import FilterAttribute
    from ..models.filter_consent import FilterConsent
    from ..models.filter_everyone import FilterEveryone
    from ..models.filter_has_identity import FilterHasIdentity
    from ..models.filter_inactive_for import FilterInactiveFor
    from ..models.filter_not import FilterNot
    from ..models.filter_resolved_within import FilterResolvedWithin
    from ..models.filter_tag import FilterTag
    from ..models.funnel import Funnel
    from ..models.quiet_hours import QuietHours


T = TypeVar("T", bound="CampaignView")


@_attrs_define
class CampaignView:
    """A campaign with its funnel.

    Attributes:
        channels (list[ChannelPlan]):
        created_at (datetime.datetime):
        filter_ (FilterActiveWithin | FilterAll | FilterAny | FilterAttribute | FilterConsent | FilterEveryone |
            FilterHasIdentity | FilterInactiveFor | FilterNot | FilterResolvedWithin | FilterTag): Which contacts a segment
            selects. Written as JSON with an `op` tag, e.g.
            `{"op": "all", "of": [{"op": "tag", "tag": "vip"}, {"op": "consent", "channel": "email"}]}`.
        funnel (Funnel): A campaign's funnel: totals and per channel (`none` for contacts with no usable channel).
        id (int): A marketing campaign.
        name (str):
        state (CampaignState):
        targeted (int): Contacts in the ledger (the audience when the campaign started).
        track_clicks (bool):
        track_opens (bool):
        finished_at (datetime.datetime | None | Unset):
        locale (None | str | Unset):
        quiet_hours (None | QuietHours | Unset):
        scheduled_at (datetime.datetime | None | Unset):
        started_at (datetime.datetime | None | Unset):
    """

    channels: list[ChannelPlan]
    created_at: datetime.datetime
    filter_: (
        FilterActiveWithin
        | FilterAll
        | FilterAny
        | FilterAttribute
        | FilterConsent
        | FilterEveryone
        | FilterHasIdentity
        | FilterInactiveFor
        | FilterNot
        | FilterResolvedWithin
        | FilterTag
    )
    funnel: Funnel
    id: int
    name: str
    state: CampaignState
    targeted: int
    track_clicks: bool
    track_opens: bool
    finished_at: datetime.datetime | None | Unset = UNSET
    locale: None | str | Unset = UNSET
    quiet_hours: None | QuietHours | Unset = UNSET
    scheduled_at: datetime.datetime | None | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.filter_active_within import FilterActiveWithin  # noqa: PLC0415
        from ..models.filter_all import FilterAll  # noqa: PLC0415
        from ..models.filter_any import FilterAny  # noqa: PLC0415
        from ..models.filter_attribute import FilterAttribute  # noqa: PLC0415
        from ..models.filter_consent import FilterConsent  # noqa: PLC0415
        from ..models.filter_everyone import FilterEveryone  # noqa: PLC0415
        from ..models.filter_has_identity import FilterHasIdentity  # noqa: PLC0415
        from ..models.filter_inactive_for import FilterInactiveFor  # noqa: PLC0415
        from ..models.filter_not import FilterNot  # noqa: PLC0415
        from ..models.filter_tag import FilterTag  # noqa: PLC0415
        from ..models.quiet_hours import QuietHours  # noqa: PLC0415

        channels = []
        for channels_item_data in self.channels:
            channels_item = channels_item_data.to_dict()
            channels.append(channels_item)

        created_at = self.created_at.isoformat()

        filter_: dict[str, Any]
        if isinstance(self.filter_, FilterEveryone):
            filter_ = self.filter_.to_dict()
        elif isinstance(self.filter_, FilterAll):
            filter_ = self.filter_.to_dict()
        elif isinstance(self.filter_, FilterAny):
            filter_ = self.filter_.to_dict()
        elif isinstance(self.filter_, FilterNot):
            filter_ = self.filter_.to_dict()
        elif isinstance(self.filter_, FilterTag):
            filter_ = self.filter_.to_dict()
        elif isinstance(self.filter_, FilterAttribute):
            filter_ = self.filter_.to_dict()
        elif isinstance(self.filter_, FilterHasIdentity):
            filter_ = self.filter_.to_dict()
        elif isinstance(self.filter_, FilterConsent):
            filter_ = self.filter_.to_dict()
        elif isinstance(self.filter_, FilterActiveWithin):
            filter_ = self.filter_.to_dict()
        elif isinstance(self.filter_, FilterInactiveFor):
            filter_ = self.filter_.to_dict()
        else:
            filter_ = self.filter_.to_dict()

        funnel = self.funnel.to_dict()

        id = self.id

        name = self.name

        state = self.state.value

        targeted = self.targeted

        track_clicks = self.track_clicks

        track_opens = self.track_opens

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        locale: None | str | Unset
        if isinstance(self.locale, Unset):
            locale = UNSET
        else:
            locale = self.locale

        quiet_hours: dict[str, Any] | None | Unset
        if isinstance(self.quiet_hours, Unset):
            quiet_hours = UNSET
        elif isinstance(self.quiet_hours, QuietHours):
            quiet_hours = self.quiet_hours.to_dict()
        else:
            quiet_hours = self.quiet_hours

        scheduled_at: None | str | Unset
        if isinstance(self.scheduled_at, Unset):
            scheduled_at = UNSET
        elif isinstance(self.scheduled_at, datetime.datetime):
            scheduled_at = self.scheduled_at.isoformat()
        else:
            scheduled_at = self.scheduled_at

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channels": channels,
                "created_at": created_at,
                "filter": filter_,
                "funnel": funnel,
                "id": id,
                "name": name,
                "state": state,
                "targeted": targeted,
                "track_clicks": track_clicks,
                "track_opens": track_opens,
            }
        )
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if locale is not UNSET:
            field_dict["locale"] = locale
        if quiet_hours is not UNSET:
            field_dict["quiet_hours"] = quiet_hours
        if scheduled_at is not UNSET:
            field_dict["scheduled_at"] = scheduled_at
        if started_at is not UNSET:
            field_dict["started_at"] = started_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.channel_plan import ChannelPlan  # noqa: PLC0415
        from ..models.filter_active_within import FilterActiveWithin  # noqa: PLC0415
        from ..models.filter_all import FilterAll  # noqa: PLC0415
        from ..models.filter_any import FilterAny  # noqa: PLC0415
        from ..models.filter_attribute import FilterAttribute  # noqa: PLC0415
        from ..models.filter_consent import FilterConsent  # noqa: PLC0415
        from ..models.filter_everyone import FilterEveryone  # noqa: PLC0415
        from ..models.filter_has_identity import FilterHasIdentity  # noqa: PLC0415
        from ..models.filter_inactive_for import FilterInactiveFor  # noqa: PLC0415
        from ..models.filter_not import FilterNot  # noqa: PLC0415
        from ..models.filter_resolved_within import FilterResolvedWithin  # noqa: PLC0415
        from ..models.filter_tag import FilterTag  # noqa: PLC0415
        from ..models.funnel import Funnel  # noqa: PLC0415
        from ..models.quiet_hours import QuietHours  # noqa: PLC0415

        d = dict(src_dict)
        channels = []
        _channels = d.pop("channels")
        for channels_item_data in _channels:
            channels_item = ChannelPlan.from_dict(channels_item_data)

            channels.append(channels_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_filter_(
            data: object,
        ) -> (
            FilterActiveWithin
            | FilterAll
            | FilterAny
            | FilterAttribute
            | FilterConsent
            | FilterEveryone
            | FilterHasIdentity
            | FilterInactiveFor
            | FilterNot
            | FilterResolvedWithin
            | FilterTag
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_filter_type_0 = FilterEveryone.from_dict(data)

                return componentsschemas_filter_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_filter_type_1 = FilterAll.from_dict(data)

                return componentsschemas_filter_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_filter_type_2 = FilterAny.from_dict(data)

                return componentsschemas_filter_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_filter_type_3 = FilterNot.from_dict(data)

                return componentsschemas_filter_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_filter_type_4 = FilterTag.from_dict(data)

                return componentsschemas_filter_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_filter_type_5 = FilterAttribute.from_dict(data)

                return componentsschemas_filter_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_filter_type_6 = FilterHasIdentity.from_dict(data)

                return componentsschemas_filter_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_filter_type_7 = FilterConsent.from_dict(data)

                return componentsschemas_filter_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_filter_type_8 = FilterActiveWithin.from_dict(data)

                return componentsschemas_filter_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_filter_type_9 = FilterInactiveFor.from_dict(data)

                return componentsschemas_filter_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_filter_type_10 = FilterResolvedWithin.from_dict(data)

            return componentsschemas_filter_type_10

        filter_ = _parse_filter_(d.pop("filter"))

        funnel = Funnel.from_dict(d.pop("funnel"))

        id = d.pop("id")

        name = d.pop("name")

        state = CampaignState(d.pop("state"))

        targeted = d.pop("targeted")

        track_clicks = d.pop("track_clicks")

        track_opens = d.pop("track_opens")

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

        def _parse_locale(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        locale = _parse_locale(d.pop("locale", UNSET))

        def _parse_quiet_hours(data: object) -> None | QuietHours | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                quiet_hours_type_1 = QuietHours.from_dict(data)

                return quiet_hours_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QuietHours | Unset, data)

        quiet_hours = _parse_quiet_hours(d.pop("quiet_hours", UNSET))

        def _parse_scheduled_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                scheduled_at_type_0 = datetime.datetime.fromisoformat(data)

                return scheduled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        scheduled_at = _parse_scheduled_at(d.pop("scheduled_at", UNSET))

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        campaign_view = cls(
            channels=channels,
            created_at=created_at,
            filter_=filter_,
            funnel=funnel,
            id=id,
            name=name,
            state=state,
            targeted=targeted,
            track_clicks=track_clicks,
            track_opens=track_opens,
            finished_at=finished_at,
            locale=locale,
            quiet_hours=quiet_hours,
            scheduled_at=scheduled_at,
            started_at=started_at,
        )

        campaign_view.additional_properties = d
        return campaign_view

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
