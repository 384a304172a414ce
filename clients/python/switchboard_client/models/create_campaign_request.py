from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

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
    from ..models.quiet_hours import QuietHours


T = TypeVar("T", bound="CreateCampaignRequest")


@_attrs_define
class CreateCampaignRequest:
    """Body of `POST /api/v1/campaigns` and `PUT /api/v1/campaigns/{id}`; `campaign create` reads
    files of the same shape. Both become a [`CampaignDefinition`] through its one validation.

        Attributes:
            channels (list[ChannelPlan]): Channels in preference order, each with its template.
            name (str):
            filter_ (FilterActiveWithin | FilterAll | FilterAny | FilterAttribute | FilterConsent | FilterEveryone |
                FilterHasIdentity | FilterInactiveFor | FilterNot | FilterResolvedWithin | FilterTag | None | Unset):
            locale (None | str | Unset):
            quiet_hours (None | QuietHours | Unset):
            segment_id (int | None | Unset):
            track_clicks (bool | Unset):
            track_opens (bool | Unset):
    """

    channels: list[ChannelPlan]
    name: str
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
        | None
        | Unset
    ) = UNSET
    locale: None | str | Unset = UNSET
    quiet_hours: None | QuietHours | Unset = UNSET
    segment_id: int | None | Unset = UNSET
    track_clicks: bool | Unset = UNSET
    track_opens: bool | Unset = UNSET

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
        from ..models.filter_resolved_within import FilterResolvedWithin  # noqa: PLC0415
        from ..models.filter_tag import FilterTag  # noqa: PLC0415
        from ..models.quiet_hours import QuietHours  # noqa: PLC0415

        channels = []
        for channels_item_data in self.channels:
            channels_item = channels_item_data.to_dict()
            channels.append(channels_item)

        name = self.name

        filter_: dict[str, Any] | None | Unset
        if isinstance(self.filter_, Unset):
            filter_ = UNSET
        elif isinstance(self.filter_, FilterEveryone):
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
        elif isinstance(self.filter_, FilterResolvedWithin):
            filter_ = self.filter_.to_dict()
        else:
            filter_ = self.filter_

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

        segment_id: int | None | Unset
        if isinstance(self.segment_id, Unset):
            segment_id = UNSET
        else:
            segment_id = self.segment_id

        track_clicks = self.track_clicks

        track_opens = self.track_opens

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "channels": channels,
                "name": name,
            }
        )
        if filter_ is not UNSET:
            field_dict["filter"] = filter_
        if locale is not UNSET:
            field_dict["locale"] = locale
        if quiet_hours is not UNSET:
            field_dict["quiet_hours"] = quiet_hours
        if segment_id is not UNSET:
            field_dict["segment_id"] = segment_id
        if track_clicks is not UNSET:
            field_dict["track_clicks"] = track_clicks
        if track_opens is not UNSET:
            field_dict["track_opens"] = track_opens

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
        from ..models.quiet_hours import QuietHours  # noqa: PLC0415

        d = dict(src_dict)
        channels = []
        _channels = d.pop("channels")
        for channels_item_data in _channels:
            channels_item = ChannelPlan.from_dict(channels_item_data)

            channels.append(channels_item)

        name = d.pop("name")

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
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
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
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_filter_type_10 = FilterResolvedWithin.from_dict(data)

                return componentsschemas_filter_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
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
                | None
                | Unset,
                data,
            )

        filter_ = _parse_filter_(d.pop("filter", UNSET))

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

        def _parse_segment_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        segment_id = _parse_segment_id(d.pop("segment_id", UNSET))

        track_clicks = d.pop("track_clicks", UNSET)

        track_opens = d.pop("track_opens", UNSET)

        create_campaign_request = cls(
            channels=channels,
            name=name,
            filter_=filter_,
            locale=locale,
            quiet_hours=quiet_hours,
            segment_id=segment_id,
            track_clicks=track_clicks,
            track_opens=track_opens,
        )

        return create_campaign_request
