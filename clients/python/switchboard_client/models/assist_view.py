from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AssistView")


@_attrs_define
class AssistView:
    """What agent assist does on this installation (never the key).

    Attributes:
        channels (list[str]): Channels whose conversations may be sent (`*`: all).
        enabled (bool): False until `[assist] base_url` is set.
        features (list[str]): What it can do: `summary`, `draft`, `suggestions`, `translation`.
        handover_summary_messages (int): Conversations at least this long get a summary when they change agent (0:
            never);
            the inbox shows the newest summary at the top of conversations this long.
        language (str): The agents' language (ISO 639-1): customer messages are translated into it.
        max_concurrent (int):
        requests_per_minute (int):
        translate_channels (list[str]): Channels whose customer messages are translated without an agent asking.
        host (None | str | Unset): The host requests go to, when on.
        model (None | str | Unset): The model's name, when on.
    """

    channels: list[str]
    enabled: bool
    features: list[str]
    handover_summary_messages: int
    language: str
    max_concurrent: int
    requests_per_minute: int
    translate_channels: list[str]
    host: None | str | Unset = UNSET
    model: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channels = self.channels

        enabled = self.enabled

        features = self.features

        handover_summary_messages = self.handover_summary_messages

        language = self.language

        max_concurrent = self.max_concurrent

        requests_per_minute = self.requests_per_minute

        translate_channels = self.translate_channels

        host: None | str | Unset
        if isinstance(self.host, Unset):
            host = UNSET
        else:
            host = self.host

        model: None | str | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channels": channels,
                "enabled": enabled,
                "features": features,
                "handover_summary_messages": handover_summary_messages,
                "language": language,
                "max_concurrent": max_concurrent,
                "requests_per_minute": requests_per_minute,
                "translate_channels": translate_channels,
            }
        )
        if host is not UNSET:
            field_dict["host"] = host
        if model is not UNSET:
            field_dict["model"] = model

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channels = cast(list[str], d.pop("channels"))

        enabled = d.pop("enabled")

        features = cast(list[str], d.pop("features"))

        handover_summary_messages = d.pop("handover_summary_messages")

        language = d.pop("language")

        max_concurrent = d.pop("max_concurrent")

        requests_per_minute = d.pop("requests_per_minute")

        translate_channels = cast(list[str], d.pop("translate_channels"))

        def _parse_host(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        host = _parse_host(d.pop("host", UNSET))

        def _parse_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        assist_view = cls(
            channels=channels,
            enabled=enabled,
            features=features,
            handover_summary_messages=handover_summary_messages,
            language=language,
            max_concurrent=max_concurrent,
            requests_per_minute=requests_per_minute,
            translate_channels=translate_channels,
            host=host,
            model=model,
        )

        assist_view.additional_properties = d
        return assist_view

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
