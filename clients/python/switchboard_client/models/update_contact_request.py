from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.update_contact_request_attributes_type_0 import UpdateContactRequestAttributesType0


T = TypeVar("T", bound="UpdateContactRequest")


@_attrs_define
class UpdateContactRequest:
    """Body of `PATCH /api/v1/contacts/{id}`: absent fields stay, `null` clears.

    Attributes:
        attributes (None | Unset | UpdateContactRequestAttributesType0): Merged into the attributes; a `null` value
            removes the key.
        email (None | str | Unset):
        name (None | str | Unset):
        phone (None | str | Unset): A phone number, with its country code (`+420 777 123 456`, `00420…`) or as a number
            of the configured `[contacts] default_region`; stored in E.164 (`+420777123456`). A number of a length its
            country's numbers never have is refused with 422.
        tags (list[str] | None | Unset):
    """

    attributes: None | Unset | UpdateContactRequestAttributesType0 = UNSET
    email: None | str | Unset = UNSET
    name: None | str | Unset = UNSET
    phone: None | str | Unset = UNSET
    tags: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.update_contact_request_attributes_type_0 import UpdateContactRequestAttributesType0  # noqa: PLC0415

        attributes: dict[str, Any] | None | Unset
        if isinstance(self.attributes, Unset):
            attributes = UNSET
        elif isinstance(self.attributes, UpdateContactRequestAttributesType0):
            attributes = self.attributes.to_dict()
        else:
            attributes = self.attributes

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

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

        tags: list[str] | None | Unset
        if isinstance(self.tags, Unset):
            tags = UNSET
        elif isinstance(self.tags, list):
            tags = self.tags

        else:
            tags = self.tags

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if attributes is not UNSET:
            field_dict["attributes"] = attributes
        if email is not UNSET:
            field_dict["email"] = email
        if name is not UNSET:
            field_dict["name"] = name
        if phone is not UNSET:
            field_dict["phone"] = phone
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.update_contact_request_attributes_type_0 import UpdateContactRequestAttributesType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_attributes(data: object) -> None | Unset | UpdateContactRequestAttributesType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                attributes_type_0 = UpdateContactRequestAttributesType0.from_dict(data)

                return attributes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UpdateContactRequestAttributesType0, data)

        attributes = _parse_attributes(d.pop("attributes", UNSET))

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

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

        def _parse_tags(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                tags_type_0 = cast(list[str], data)

                return tags_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        tags = _parse_tags(d.pop("tags", UNSET))

        update_contact_request = cls(
            attributes=attributes,
            email=email,
            name=name,
            phone=phone,
            tags=tags,
        )

        return update_contact_request
