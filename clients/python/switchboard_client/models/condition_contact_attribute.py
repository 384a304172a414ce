from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.attribute_test import AttributeTest


T = TypeVar("T", bound="ConditionContactAttribute")


@_attrs_define
class ConditionContactAttribute:
    """
    Attributes:
        contact_attribute (AttributeTest): `{ key = "plan", equals = "vip" }`, `{ key = "plan", contains = "pro" }` or
            `{ key = "plan", exists = true }`.
    """

    contact_attribute: AttributeTest

    def to_dict(self) -> dict[str, Any]:
        contact_attribute = self.contact_attribute.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "contact_attribute": contact_attribute,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attribute_test import AttributeTest  # noqa: PLC0415

        d = dict(src_dict)
        contact_attribute = AttributeTest.from_dict(d.pop("contact_attribute"))

        condition_contact_attribute = cls(
            contact_attribute=contact_attribute,
        )

        return condition_contact_attribute
