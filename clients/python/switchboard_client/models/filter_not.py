from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.filter_not_op import FilterNotOp

if TYPE_CHECKING:
    from ..models.filter_active_within import FilterActiveWithin
    from ..models.filter_all import FilterAll
    from ..models.filter_any import FilterAny
    from ..models.filter_attribute import FilterAttribute
    from ..models.filter_consent import FilterConsent
    from ..models.filter_everyone import FilterEveryone
    from ..models.filter_has_identity import FilterHasIdentity
    from ..models.filter_inactive_for import FilterInactiveFor
    from ..models.filter_resolved_within import FilterResolvedWithin
    from ..models.filter_tag import FilterTag


T = TypeVar("T", bound="FilterNot")


@_attrs_define
class FilterNot:
    """The filter does not hold.

    Attributes:
        filter_ (FilterActiveWithin | FilterAll | FilterAny | FilterAttribute | FilterConsent | FilterEveryone |
            FilterHasIdentity | FilterInactiveFor | FilterNot | FilterResolvedWithin | FilterTag): Which contacts a segment
            selects. Written as JSON with an `op` tag, e.g.
            `{"op": "all", "of": [{"op": "tag", "tag": "vip"}, {"op": "consent", "channel": "email"}]}`.
        op (FilterNotOp):
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
    op: FilterNotOp

    def to_dict(self) -> dict[str, Any]:
        from ..models.filter_active_within import FilterActiveWithin  # noqa: PLC0415
        from ..models.filter_all import FilterAll  # noqa: PLC0415
        from ..models.filter_any import FilterAny  # noqa: PLC0415
        from ..models.filter_attribute import FilterAttribute  # noqa: PLC0415
        from ..models.filter_consent import FilterConsent  # noqa: PLC0415
        from ..models.filter_everyone import FilterEveryone  # noqa: PLC0415
        from ..models.filter_has_identity import FilterHasIdentity  # noqa: PLC0415
        from ..models.filter_inactive_for import FilterInactiveFor  # noqa: PLC0415
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

        op = self.op.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "filter": filter_,
                "op": op,
            }
        )

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

        op = FilterNotOp(d.pop("op"))

        filter_not = cls(
            filter_=filter_,
            op=op,
        )

        return filter_not
