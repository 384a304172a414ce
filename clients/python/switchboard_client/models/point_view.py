from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PointView")


@_attrs_define
class PointView:
    """One bucket of a series.

    Attributes:
        count (int): How many were counted or timed (SLA targets decided; CSAT answers).
        start (datetime.datetime): When the bucket starts.
        mean (float | None | Unset):
        median (float | None | Unset):
        met (int | None | Unset):
        missed (int | None | Unset):
        p90 (float | None | Unset):
        response_rate (float | None | Unset): CSAT answers per survey sent, in percent.
        satisfied (int | None | Unset):
        sent (int | None | Unset):
        value (float | None | Unset): The headline: the count, the median in seconds, the percentage of SLA targets met,
            or
            the CSAT score (percentage of 4 and 5 among answers); null when nothing was timed.
    """

    count: int
    start: datetime.datetime
    mean: float | None | Unset = UNSET
    median: float | None | Unset = UNSET
    met: int | None | Unset = UNSET
    missed: int | None | Unset = UNSET
    p90: float | None | Unset = UNSET
    response_rate: float | None | Unset = UNSET
    satisfied: int | None | Unset = UNSET
    sent: int | None | Unset = UNSET
    value: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        start = self.start.isoformat()

        mean: float | None | Unset
        if isinstance(self.mean, Unset):
            mean = UNSET
        else:
            mean = self.mean

        median: float | None | Unset
        if isinstance(self.median, Unset):
            median = UNSET
        else:
            median = self.median

        met: int | None | Unset
        if isinstance(self.met, Unset):
            met = UNSET
        else:
            met = self.met

        missed: int | None | Unset
        if isinstance(self.missed, Unset):
            missed = UNSET
        else:
            missed = self.missed

        p90: float | None | Unset
        if isinstance(self.p90, Unset):
            p90 = UNSET
        else:
            p90 = self.p90

        response_rate: float | None | Unset
        if isinstance(self.response_rate, Unset):
            response_rate = UNSET
        else:
            response_rate = self.response_rate

        satisfied: int | None | Unset
        if isinstance(self.satisfied, Unset):
            satisfied = UNSET
        else:
            satisfied = self.satisfied

        sent: int | None | Unset
        if isinstance(self.sent, Unset):
            sent = UNSET
        else:
            sent = self.sent

        value: float | None | Unset
        if isinstance(self.value, Unset):
            value = UNSET
        else:
            value = self.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "count": count,
                "start": start,
            }
        )
        if mean is not UNSET:
            field_dict["mean"] = mean
        if median is not UNSET:
            field_dict["median"] = median
        if met is not UNSET:
            field_dict["met"] = met
        if missed is not UNSET:
            field_dict["missed"] = missed
        if p90 is not UNSET:
            field_dict["p90"] = p90
        if response_rate is not UNSET:
            field_dict["response_rate"] = response_rate
        if satisfied is not UNSET:
            field_dict["satisfied"] = satisfied
        if sent is not UNSET:
            field_dict["sent"] = sent
        if value is not UNSET:
            field_dict["value"] = value

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        count = d.pop("count")

        start = datetime.datetime.fromisoformat(d.pop("start"))

        def _parse_mean(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        mean = _parse_mean(d.pop("mean", UNSET))

        def _parse_median(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        median = _parse_median(d.pop("median", UNSET))

        def _parse_met(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        met = _parse_met(d.pop("met", UNSET))

        def _parse_missed(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        missed = _parse_missed(d.pop("missed", UNSET))

        def _parse_p90(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        p90 = _parse_p90(d.pop("p90", UNSET))

        def _parse_response_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        response_rate = _parse_response_rate(d.pop("response_rate", UNSET))

        def _parse_satisfied(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        satisfied = _parse_satisfied(d.pop("satisfied", UNSET))

        def _parse_sent(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        sent = _parse_sent(d.pop("sent", UNSET))

        def _parse_value(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        value = _parse_value(d.pop("value", UNSET))

        point_view = cls(
            count=count,
            start=start,
            mean=mean,
            median=median,
            met=met,
            missed=missed,
            p90=p90,
            response_rate=response_rate,
            satisfied=satisfied,
            sent=sent,
            value=value,
        )

        point_view.additional_properties = d
        return point_view

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
