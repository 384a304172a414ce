from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.filter_all_op import FilterAllOp

if TYPE_CHECKING:
    from ..models.filter_active_within import FilterActiveWithin
    from ..models.filter_any import FilterAny
    from ..models.filter_attribute import FilterAttribute
    from ..models.filter_consent import FilterConsent
    from ..models.filter_everyone import FilterEveryone
    from ..models.filter_has_identity import FilterHasIdentity
    from ..models.filter_inactive_for import FilterInactiveFor
    from ..models.filter_not import FilterNot
    from ..models.filter_resolved_within import FilterResolvedWithin
    from ..models.filter_tag import FilterTag


T = TypeVar("T", bound="FilterAll")


@_attrs_define
class FilterAll:
    """All of the filters hold (an empty list holds for everyone).

    Attributes:
        of (list[FilterActiveWithin | FilterAll | FilterAny | FilterAttribute | FilterConsent | FilterEveryone |
            FilterHasIdentity | FilterInactiveFor | FilterNot | FilterResolvedWithin | FilterTag]):
        op (FilterAllOp):
    """

    of: list[
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
    ]
    op: FilterAllOp

    def to_dict(self) -> dict[str, Any]:
        from ..models.filter_active_within import FilterActiveWithin  # noqa: PLC0415
        from ..models.filter_any import FilterAny  # noqa: PLC0415
        from ..models.filter_attribute import FilterAttribute  # noqa: PLC0415
        from ..models.filter_consent import FilterConsent  # noqa: PLC0415
        from ..models.filter_everyone import FilterEveryone  # noqa: PLC0415
        from ..models.filter_has_identity import FilterHasIdentity  # noqa: PLC0415
        from ..models.filter_inactive_for import FilterInactiveFor  # noqa: PLC0415
        from ..models.filter_not import FilterNot  # noqa: PLC0415
        from ..models.filter_tag import FilterTag  # noqa: PLC0415

        of = []
        for of_item_data in self.of:
            of_item: dict[str, Any]
            if isinstance(of_item_data, FilterEveryone):
                of_item = of_item_data.to_dict()
            elif isinstance(of_item_data, FilterAll):
                of_item = of_item_data.to_dict()
            elif isinstance(of_item_data, FilterAny):
                of_item = of_item_data.to_dict()
            elif isinstance(of_item_data, FilterNot):
                of_item = of_item_data.to_dict()
            elif isinstance(of_item_data, FilterTag):
                of_item = of_item_data.to_dict()
            elif isinstance(of_item_data, FilterAttribute):
                of_item = of_item_data.to_dict()
            elif isinstance(of_item_data, FilterHasIdentity):
                of_item = of_item_data.to_dict()
            elif isinstance(of_item_data, FilterConsent):
                of_item = of_item_data.to_dict()
            elif isinstance(of_item_data, FilterActiveWithin):
                of_item = of_item_data.to_dict()
            elif isinstance(of_item_data, FilterInactiveFor):
                of_item = of_item_data.to_dict()
            else:
                of_item = of_item_data.to_dict()

            of.append(of_item)

        op = self.op.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "of": of,
                "op": op,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.filter_active_within import FilterActiveWithin  # noqa: PLC0415
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
        of = []
        _of = d.pop("of")
        for of_item_data in _of:

            def _parse_of_item(
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

            of_item = _parse_of_item(of_item_data)

            of.append(of_item)

        op = FilterAllOp(d.pop("op"))

        filter_all = cls(
            of=of,
            op=op,
        )

        return filter_all
