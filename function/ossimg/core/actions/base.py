"""What an action is: declared parameters plus pure functions over sizes, pixels and encoder options."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from ..budget.costs import NO_COST, Cost
from ..budget.limits import Limits
from .params import Param

if TYPE_CHECKING:
    from PIL import Image

Size = tuple[int, int]


class EncodeOptions(NamedTuple):
    """Output settings the chain accumulates; the encoder reads them once at the end."""

    format: str | None = None  # None: same as the source
    quality_abs: int | None = None  # quality,Q_
    quality_rel: int | None = None  # quality,q_
    progressive: bool = False

    def with_(self, **changes: Any) -> EncodeOptions:
        return self._replace(**changes)


def same_size(size: Size, args: dict, limits: Limits) -> Size:
    return size


class Action(NamedTuple):
    name: str
    params: tuple[Param, ...] = ()  # key_value parameters: resize,w_100
    value: Param | None = None  # value-only actions: rotate,90
    missing_ec: str | None = None  # the action given without any parameter
    bare_value_ec: str | None = None  # a key_value action given a bare value (quality,90)
    check: Callable[[dict], None] | None = None  # rules across parameters
    size: Callable[[Size, dict, Limits], Size] = same_size  # planning; raises on limits
    draft: Callable[[Size, dict], Size] | None = None  # the size it resamples to: decode no larger
    # The box it keeps: the pipeline cuts it out (decoding no lower, resampling a following resize
    # straight from it) and hands `apply`, if any, only that part.
    region: Callable[[Size, dict], tuple[int, int, int, int]] | None = None
    apply: Callable[..., Image.Image] | None = None  # (image, args, logical input size) -> image
    encode: Callable[[EncodeOptions, dict], EncodeOptions] | None = None
    describe: Callable[..., bytes] | None = None  # JSON about the source (info); must be alone
    from_header: bool = False  # `describe` reads only the header (info), not the pixels (average-hue)
    animates: Callable[[dict], bool] | None = None  # keeps an animation animated (else: first frame)
    in_animation: Callable[[dict], dict] | None = None  # its arguments when it applies to every frame
    orients: Callable[[dict], bool] | None = None  # whether EXIF orientation is applied (the last such call says)
    resources: Callable[[dict], list[str]] | None = None  # object keys the action reads (watermark images)
    prepare: Callable[..., dict] | None = None  # (args, input size, resources, limits) -> args, before decoding
    cost: Cost = NO_COST  # what one call allocates and how long it takes (see costs.py)
    refused_sources: tuple[str, ...] = ()  # source formats OSS does not apply it to (a 400)
    # The factor its input may come reduced by (a JPEG decoded at a DCT scale) when it comes first:
    # it then returns its full logical size. None or 1: full size only.
    reducible_by: Callable[[dict], int] | None = None
    # Face-aware calls: (args, input size, look) -> the args with what they need from `look()`,
    # the faces and focus where they are in this call's input (see faces.py); before planning.
    locate: Callable[..., dict] | None = None
    # Where a box of its input ends up in its output, for actions that move pixels otherwise than
    # by a region or a resample (rotate).
    moves_box: Callable[..., tuple[float, float, float, float]] | None = None
