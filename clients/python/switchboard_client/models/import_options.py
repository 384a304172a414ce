from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.import_options_mapping import ImportOptionsMapping


T = TypeVar("T", bound="ImportOptions")


@_attrs_define
class ImportOptions:
    """How to read a file: which column goes where. Columns not in the mapping are matched by
    their header when it is itself a target (`email`, `consent:email`, …); other headers that
    are valid attribute keys (letters, digits, `_`, `-`) become attributes, the rest is ignored.

        Attributes:
            consent_proof (None | str | Unset): Proof recorded with consents from this file (e.g. "signup form export
                2026-11").
            mapping (ImportOptionsMapping | Unset): Header → target.
            strict (bool | Unset): Import nothing when any row is rejected.
    """

    consent_proof: None | str | Unset = UNSET
    mapping: ImportOptionsMapping | Unset = UNSET
    strict: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        consent_proof: None | str | Unset
        if isinstance(self.consent_proof, Unset):
            consent_proof = UNSET
        else:
            consent_proof = self.consent_proof

        mapping: dict[str, Any] | Unset = UNSET
        if not isinstance(self.mapping, Unset):
            mapping = self.mapping.to_dict()

        strict = self.strict

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if consent_proof is not UNSET:
            field_dict["consent_proof"] = consent_proof
        if mapping is not UNSET:
            field_dict["mapping"] = mapping
        if strict is not UNSET:
            field_dict["strict"] = strict

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.import_options_mapping import ImportOptionsMapping  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_consent_proof(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        consent_proof = _parse_consent_proof(d.pop("consent_proof", UNSET))

        _mapping = d.pop("mapping", UNSET)
        mapping: ImportOptionsMapping | Unset
        if isinstance(_mapping, Unset):
            mapping = UNSET
        else:
            mapping = ImportOptionsMapping.from_dict(_mapping)

        strict = d.pop("strict", UNSET)

        import_options = cls(
            consent_proof=consent_proof,
            mapping=mapping,
            strict=strict,
        )

        import_options.additional_properties = d
        return import_options

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
