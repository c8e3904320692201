"""DeepStream versions trtplug knows, and what changes between them for a custom library."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import TrtPlugError

SUPPORTED_VERSIONS = ("5.0", "5.1", "6.0", "6.1", "6.2", "6.3", "6.4", "7.0", "7.1", "8.0", "9.0", "9.1")
DEFAULT_VERSION = SUPPORTED_VERSIONS[-1]


class DeepStreamVersionError(TrtPlugError):
    """A DeepStream version string trtplug does not know."""


@dataclass(frozen=True, order=True)
class DsVersion:
    major: int
    minor: int

    @property
    def code(self) -> int:
        """The value of TRTPLUG_DS_VERSION in the generated code: major*100 + minor*10 (630 = 6.3)."""
        return self.major * 100 + self.minor * 10

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    # What a custom library sees change (see registry/deepstream/trtplug_nvdsinfer.h).
    @property
    def has_rotation_angle(self) -> bool:
        return self >= DsVersion(9, 0)

    @property
    def object_detection_info_size(self) -> int:
        return 28 if self.has_rotation_angle else 24

    @property
    def has_int64_uint8(self) -> bool:
        return self >= DsVersion(8, 0)


def parse_version(value: "str | DsVersion | None") -> DsVersion:
    """'9.1', '9.1.0' or '9' (the newest 9.x) -> DsVersion; None -> the default (newest)."""
    if value is None:
        value = DEFAULT_VERSION
    if isinstance(value, DsVersion):
        return value
    text = str(value).strip()
    parts = text.split(".")
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        nums = []
    if len(nums) == 1:
        matches = [v for v in SUPPORTED_VERSIONS if v.split(".")[0] == str(nums[0])]
        if matches:
            return parse_version(matches[-1])
    if len(nums) >= 2 and f"{nums[0]}.{nums[1]}" in SUPPORTED_VERSIONS:
        return DsVersion(nums[0], nums[1])
    raise DeepStreamVersionError(
        f"DeepStream version {text!r} is not supported; choose one of {', '.join(SUPPORTED_VERSIONS)}")
