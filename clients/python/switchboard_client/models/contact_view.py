from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.contact_view_attributes import ContactViewAttributes
    from ..models.identity_view import IdentityView


T = TypeVar("T", bound="ContactView")


@_attrs_define
class ContactView:
    """A contact with every identity.

    Attributes:
        attributes (ContactViewAttributes):
        created_at (datetime.datetime):
        id (int): A contact (a customer, across all their channels).
        identities (list[IdentityView]):
        tags (list[str]):
        updated_at (datetime.datetime):
        email (None | str | Unset):
        merged_into (int | None | Unset):
        name (None | str | Unset):
        phone (None | str | Unset):
    """

    attributes: ContactViewAttributes
    created_at: datetime.datetime
    id: int
    identities: list[IdentityView]
    tags: list[str]
    updated_at: datetime.datetime
    email: None | str | Unset = UNSET
    merged_into: int | None | Unset = UNSET
    name: None | str | Unset = UNSET
    phone: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attributes = self.attributes.to_dict()

        created_at = self.created_at.isoformat()

        id = self.id

        identities = []
        for identities_item_data in self.identities:
            identities_item = identities_item_data.to_dict()
            identities.append(identities_item)

        tags = self.tags

        updated_at = self.updated_at.isoformat()

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        merged_into: int | None | Unset
        if isinstance(self.merged_into, Unset):
            merged_into = UNSET
        else:
            merged_into = self.merged_into

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        phone: None | str | Unset
        if isinstance(self.phone, Unset):
            phone = UNSET
        else:
            phone = self.phone

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attributes": attributes,
                "created_at": created_at,
                "id": id,
                "identities": identities,
                "tags": tags,
                "updated_at": updated_at,
            }
        )
        if email is not UNSET:
            field_dict["email"] = email
        if merged_into is not UNSET:
            field_dict["merged_into"] = merged_into
        if name is not UNSET:
            field_dict["name"] = name
        if phone is not UNSET:
            field_dict["phone"] = phone

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contact_view_attributes import ContactViewAttributes  # noqa: PLC0415
        from ..models.identity_view import IdentityView  # noqa: PLC0415

        d = dict(src_dict)
        attributes = ContactViewAttributes.from_dict(d.pop("attributes"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        identities = []
        _identities = d.pop("identities")
        for identities_item_data in _identities:
            identities_item = IdentityView.from_dict(identities_item_data)

            identities.append(identities_item)

        tags = cast(list[str], d.pop("tags"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        def _parse_merged_into(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        merged_into = _parse_merged_into(d.pop("merged_into", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_phone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        phone = _parse_phone(d.pop("phone", UNSET))

        contact_view = cls(
            attributes=attributes,
            created_at=created_at,
            id=id,
            identities=identities,
            tags=tags,
            updated_at=updated_at,
            email=email,
            merged_into=merged_into,
            name=name,
            phone=phone,
        )

        contact_view.additional_properties = d
        return contact_view

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
