"""The pipeline: source bytes + parsed chain -> output bytes. Pure; no AWS, no HTTP.

Order: read the header; check source limits; walk the chain over sizes alone, so every
limit is checked before a pixel is decoded; decode (JPEG draft when shrinking); apply
EXIF orientation unless auto-orient,0; apply the actions left to right; encode once.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from .actions.geometry import round_half_up
from .codecs import (
    ANIMATED,
    CONTENT_TYPES,
    Probe,
    decode,
    decode_frames,
    encode,
    encode_animation,
    estimate_jpeg_quality,
    oriented,
    probe,
    resample,
)
from .deadline import NO_DEADLINE, Deadline
from .grammar import Call, Chain
from .limits import Limits

DEFAULT_QUALITY = {"jpg": 85, "webp": 80, "avif": 60, "heic": 60}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str


def render(
    data: bytes,
    chain: Chain,
    limits: Limits,
    resources: dict[str, bytes] | None = None,
    deadline: Deadline = NO_DEADLINE,
    prefer: tuple[str, ...] = (),
) -> Rendered:
    """`resources`: the bytes of the objects `chain.resource_keys()` names (watermark images).
    `deadline` is checked between actions, between frames and before encoding. `prefer`: output
    formats the client accepts, best first (auto-format), used when the chain names none."""
    Image.MAX_IMAGE_PIXELS = limits.max_source_pixels  # Pillow's bomb guard: a second net
    source = probe(data)
    limits.check_source(source.format, source.size, source.frames, len(data))
    if chain.standalone:
        return Rendered(chain.standalone.action.describe(source, len(data)), "application/json")

    opts = chain.encode_options()
    fmt = output_format(opts.format, source.format)
    animate = source.frames > 1 and fmt in ANIMATED and chain.animates
    if animate:
        chain = chain.never_enlarging()
    orient = chain.auto_orient and source.orientation != 1
    sizes = plan(source, chain, orient, limits)
    if prefer and opts.format is None:
        fmt = negotiated(prefer, fmt, animate, sizes[-1], limits)
    limits.check_output(fmt, sizes[-1])
    quality = output_quality(opts, fmt, estimate_jpeg_quality(source.image))
    chain = prepared(chain, sizes, resources or {}, limits)

    if animate:
        animation = decode_frames(source)
        animation.frames = [apply_chain(frame, chain, sizes, deadline) for frame in animation.frames]
        deadline.check()
        return Rendered(
            encode_animation(animation, fmt, quality, source.image.info.get("icc_profile")), CONTENT_TYPES[fmt]
        )
    image = apply_chain(load(source, chain, orient, sizes[0]), chain, sizes, deadline)
    deadline.check()
    body = encode(image, fmt, quality, opts.progressive, source.image.info.get("icc_profile"))
    return Rendered(body, CONTENT_TYPES[fmt])


def prepared(chain: Chain, sizes: list[tuple[int, int]], resources: dict[str, bytes], limits: Limits) -> Chain:
    """Work done once per request, not per frame: e.g. a watermark's mark, built at its input size."""
    calls = tuple(
        Call(call.action, call.action.prepare(call.args, size, resources, limits)) if call.action.prepare else call
        for call, size in zip(chain.calls, sizes)
    )
    return Chain(calls)


def apply_chain(image: Image.Image, chain: Chain, sizes: list[tuple[int, int]], deadline: Deadline) -> Image.Image:
    for call, size in zip(chain.calls, sizes):
        if call.action.apply:
            deadline.check()
            image = call.action.apply(image, call.args, size)
    return image


def plan(source: Probe, chain: Chain, orient: bool, limits: Limits) -> list[tuple[int, int]]:
    """The logical size entering each action, then the final size."""
    if orient:
        limits.check_rotation(source.size)
    sizes = [source.upright_size(orient)]
    for call in chain.calls:
        sizes.append(call.action.size(sizes[-1], call.args, limits))
    return sizes


def load(source: Probe, chain: Chain, orient: bool, upright: tuple[int, int]) -> Image.Image:
    """Decode no more than the first action needs, then orient.

    A resize: JPEG DCT scaling to no less than its size, the rest by resampling, all before
    orientation, so only the small image is turned. A crop: a baseline JPEG decoded down to
    the crop's bottom row only.
    """
    first = chain.calls[0]
    orientation = source.orientation if orient else 1
    if first.action.draft:
        scaled = first.action.draft(upright, first.args)
        stored = scaled[::-1] if orient and source.transposed else scaled
        # One pixel more than the target: the DCT never does the whole shrink, LANCZOS finishes it.
        image = decode(source, at_least=(stored[0] + 1, stored[1] + 1))
        return oriented(resample(image, stored), orientation)
    if first.action.region and orientation == 1:
        return decode(source, rows=first.action.region(upright, first.args)[3])
    return oriented(decode(source), orientation)


def negotiated(prefer: tuple[str, ...], default: str, animated: bool, size: tuple[int, int], limits: Limits) -> str:
    """The first accepted format that can hold this result (AVIF: stills within its pixel limit)."""
    for fmt in prefer:
        if (fmt == "avif" and animated) or not limits.allows_output(fmt, size):
            continue
        return fmt
    return default


def output_format(requested: str | None, source_format: str) -> str:
    if requested is None or (requested == "gif" and source_format != "gif"):
        return source_format  # OSS: format,gif keeps a non-GIF source's format
    return requested


def output_quality(opts, fmt: str, source_quality: int | None) -> int:
    ceiling = source_quality or 100
    if opts.quality_abs:
        return min(opts.quality_abs, ceiling)
    if opts.quality_rel:
        if fmt == "jpg":
            return max(1, round_half_up(ceiling * opts.quality_rel, 100))
        return min(opts.quality_rel, ceiling)  # for WebP, q behaves like Q
    if source_quality and fmt in ("jpg", "webp"):
        return source_quality
    return DEFAULT_QUALITY.get(fmt, 85)
