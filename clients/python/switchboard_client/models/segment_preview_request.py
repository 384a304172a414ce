from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
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


T = TypeVar("T", bound="SegmentPreviewRequest")


@_attrs_define
class SegmentPreviewRequest:
    """Body of an unsaved preview.

    Attributes:
        filter_ (FilterActiveWithin | FilterAll | FilterAny | FilterAttribute | FilterConsent | FilterEveryone |
            FilterHasIdentity | FilterInactiveFor | FilterNot | FilterResolvedWithin | FilterTag): Which contacts a segment
            selects. Written as JSON with an `op` tag, e.g.
            `{"op": "all", "of": [{"op": "tag", "tag": "vip"}, {"op": "consent", "channel": "email"}]}`.
        sample (int | None | Unset): How many contact ids to return (default 10).
    """

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
    sample: int | None | Unset = UNSET

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

        sample: int | None | Unset
        if isinstance(self.sample, Unset):
            sample = UNSET
        else:
            sample = self.sample

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "filter": filter_,
            }
        )
        if sample is not UNSET:
            field_dict["sample"] = sample

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
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

        d = dict(src_dict)

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

        def _parse_sample(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        sample = _parse_sample(d.pop("sample", UNSET))

        segment_preview_request = cls(
            filter_=filter_,
            sample=sample,
        )

        return segment_preview_request
