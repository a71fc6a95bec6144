"""What a request will cost, worked out from the header and the planned sizes before any pixel
is decoded: its peak memory and its time. A request the function cannot afford is refused then,
with a clear 4xx, instead of being killed by Lambda half-way (out of memory) or answering 503.

Each action declares its `Cost` beside its parameters, each format its `FormatCost` in its record. All
were measured with `make bench` and `tests/memory.py` on this project's machine (x86-64) and
rounded up; a test checks the estimate against measured peaks so the model cannot drift.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ..codecs import formats
from ..codecs.decode import TRANSPOSING, WORKING_MODES, Box, Probe, stored_region
from ..errors import OssError, too_large
from ..pixels import parallel, strips

if TYPE_CHECKING:
    from PIL import Image

MB = 1 << 20
Size = tuple[int, int]
# The chain's calls (grammar.Call, a layer above): read for each action's declared cost, region and draft.
Calls = Sequence[Any]

# Bytes a pixel takes in Pillow's memory, by mode: RGB is stored as 4 bytes (RGBX), LA as 4.
MODE_BYTES = {"1": 1, "L": 1, "P": 1}  # 16-bit grey decodes through a 4-byte row buffer
DEFAULT_MODE_BYTES = 4
GREY_MODES = ("1", "L", "I;16", "I;16B", "I;16L", "I", "F")  # normalised to L: 1 byte a pixel


class Cost(NamedTuple):
    """What one call of an action allocates and how long it takes, per pixel.

    `copies`: images the size of its output it allocates (0: works in place or only sets encoder
    options); `strips`: strip-sized temporaries (filters that work through the image in strips);
    `ns_in` / `ns_out`: nanoseconds per input / output pixel; `extra`: bytes that depend on the
    parameters, from (input size, args)."""

    copies: float = 0.0
    alpha_copies: float | None = None  # copies when the image already has alpha (None: the same)
    grey_copies: float | None = None  # copies when the image is grey (L), which `colours` makes RGB
    adds_alpha: bool = False  # the output has alpha (a transparent outside)
    colours: bool = False  # the output is RGB(A) whatever the input (4 bytes a pixel)
    strips: float = 0.0
    ns_in: float = 0.0
    ns_out: float = 0.0
    extra: Callable[[Size, dict], int] | None = None


NO_COST = Cost()


WHOLE_DECODE_BYTES = 4.0  # a region decoder that holds the whole image (lossless WebP), a pixel
STRIP = 16 * MB
NORMALISE_NS = 3.0
REDUCE_NS, LANCZOS_NS = 1.2, 16.0
TIME_FACTOR = 1.25  # the function's CPU against the machine the constants were measured on
SAFETY = 1.05  # on the memory estimate: allocator slack
SLACK = 16 * MB  # decoder state, Python objects, the response being built


def mode_bytes(mode: str) -> int:
    return MODE_BYTES.get(mode, DEFAULT_MODE_BYTES)


def pixels(size: Size) -> int:
    return size[0] * size[1]


class Estimate:
    """A request's cost, added up step by step."""

    def __init__(self) -> None:
        self.peak = 0.0  # bytes above what the process held when the estimate was made
        self.ns = 0.0
        self.live = 0.0  # bytes of the image(s) alive between steps
        self.steps: list[tuple[str, int, int]] = []  # (step, MB at its peak, ms) for logs and tests
        self.resident = 0.0  # what the process held when the budget was checked
        self.loaded = 0.0  # what it leaves loaded for good (a library imported on first use)

    def step(self, name: str, during: float, live: float, ns: float) -> None:
        """A step that holds `during` bytes at its peak, leaves `live`, and takes `ns`."""
        self.peak = max(self.peak, during + SLACK)
        self.live = live
        self.ns += ns
        self.steps.append((name, round(during / MB), round(ns / 1e6)))

    def add_before(self, earlier: Estimate) -> None:
        """A step taken before this estimate was made (finding faces): its peak, or this one's on
        top of what it left loaded (the detector's libraries), and its time."""
        self.peak = max(earlier.peak, self.peak + earlier.loaded)
        self.ns += earlier.ns
        self.steps[:0] = earlier.steps

    @property
    def megabytes(self) -> float:
        """The request's own peak, in MB."""
        return self.peak * SAFETY / MB

    @property
    def total_megabytes(self) -> float:
        """The process's expected peak: what it held before, plus the request's own."""
        return self.resident / MB + self.megabytes

    @property
    def seconds(self) -> float:
        return self.ns * TIME_FACTOR / 1e9


def resample_cost(size_in: Size, size_out: Size, bpp: int = 4) -> tuple[float, float]:
    """(bytes, ns) of a strip-wise resample: the whole-factor reduction (as strips.resample picks
    its factors), then LANCZOS from the reduced image."""
    fx = max(1, int(size_in[0] / size_out[0] / strips.REDUCING_GAP))
    fy = max(1, int(size_in[1] / size_out[1] / strips.REDUCING_GAP))
    reduced = math.ceil(size_in[0] / fx) * math.ceil(size_in[1] / fy) if fx * fy > 1 else 0
    ns = REDUCE_NS * pixels(size_in) + LANCZOS_NS * pixels(size_out)
    # With workers, an output below the strip budget is made in bands that are then joined: a
    # second output's worth for a moment.
    banded = pixels(size_out) if parallel.workers() > 1 and bpp * pixels(size_out) <= 4 * STRIP else 0
    return bpp * (reduced + pixels(size_out) + banded) + 2 * STRIP, ns


class Working:
    """What the estimate knows of the image between steps: its bytes a pixel, whether it has alpha."""

    def __init__(self, bpp: int, alpha: bool):
        self.bpp, self.alpha = bpp, alpha


def estimate(source: Probe, chain: Any, sizes: list[Size], orient: bool, fmt: str, progressive: bool, animate: bool,
             max_output: int | None) -> Estimate:  # fmt: skip
    """The request's peak memory and time, step by step as the pipeline's `load`, `apply_chain`
    and the encoder will take them; from the header and the planned sizes only."""
    cost = Estimate()
    calls = chain.calls
    codec = formats.by_name(source.format).cost
    raw = mode_bytes(source.image.mode)
    alpha = has_alpha(source.image)
    state = Working(1 if source.image.mode in GREY_MODES and not alpha else 4, alpha)
    if animate:
        return _animation(cost, source, calls, sizes, fmt, max_output, alpha)
    orientation = source.orientation if orient else 1
    first = calls[0].action
    region = first.region(sizes[0], calls[0].args) if first.region else None
    cut_only = region is not None and not first.apply
    resizer = calls[1] if cut_only and len(calls) > 1 else calls[0]
    index, cut = 0, True
    if resizer.action.draft:
        index = 1 if cut_only else 0
        box = stored_region(region, orientation, sizes[0]) if cut_only and region else None
        target = resizer.action.draft(_size_of(region) if cut_only and region else sizes[0], resizer.args)
        stored_target = target[::-1] if orientation in TRANSPOSING else target
        decoded, inner, held = decoded_pixels(source, box, stored_target)
        decode = decoded * (raw + codec.decode_bytes) + held
        cost.step("decode", decode, decoded * raw, _decode_ns(source, decoded, held, box))
        scratch, ns = resample_cost(inner, stored_target, state.bpp)
        turned = state.bpp * pixels(target) if orientation != 1 else 0
        cost.step("resample", decoded * raw + scratch + turned, state.bpp * pixels(target), ns)
    elif region and orientation == 1:
        decoded, inner, held = decoded_pixels(source, region)
        cost.step(
            "decode",
            decoded * (raw + codec.decode_bytes) + held,
            decoded * raw,
            _decode_ns(source, decoded, held, region),
        )
        cut = not (cut_only and _decoded_as_region(source, region))
    else:
        decoded = pixels(source.size)
        decode = decoded * (raw + codec.decode_bytes) + held_aside(source)
        cost.step("decode", decode, decoded * raw, _decode_ns(source, decoded, 0))
        if orientation != 1:
            cost.step("orient", 2 * decoded * raw, decoded * raw, decoded * 2)
    normalise_at = None if source.image.mode in WORKING_MODES or resizer.action.draft else index
    loaded = calls.index(resizer) if resizer.action.draft else None  # its resample was the decode's
    _actions(cost, calls, sizes, index, cost.live, state, normalise_at, cut, loaded)
    _encoded(cost, sizes[-1], fmt, progressive, max_output, state)
    return cost


def _animation(
    cost: Estimate, source: Probe, calls: Calls, sizes: list[Size], fmt: str, max_output: int | None, alpha: bool
) -> Estimate:
    """Frames are decoded and processed one at a time, and only the results are kept; the GIF
    writer then holds a palette copy of every frame, libwebp's animation encoder one frame's worth."""
    frame, out, frames = pixels(source.size), pixels(sizes[-1]), source.frames
    decoder = formats.by_name(source.format).cost.animation_decode_bytes
    each = Estimate()
    _actions(each, calls, sizes, 0, frame * 4, Working(4, alpha))
    results = 4 * out * frames
    ns = frames * (each.ns + frame * formats.by_name(source.format).cost.decode_ns)
    cost.step("decode and apply, frame by frame", frame * decoder + each.peak + results, results, ns)
    codec = formats.by_name(fmt).cost
    scratch = codec.animation_bytes * out * frames + (codec.frame_bytes + (codec.alpha_bytes if alpha else 0)) * out
    written = min(max_output or float("inf"), 3 * out * frames)
    cost.step(f"encode {fmt}", results + scratch + 2 * written, 0, out * frames * codec.encode_ns)
    return cost


def _actions(
    cost: Estimate,
    calls: Calls,
    sizes: list[Size],
    start: int,
    live: float,
    state: Working,
    normalise_at: int | None = None,
    cut: bool = True,
    loaded: int | None = None,
) -> None:
    """Each call's memory and time from `start`: regions cut (or resampled from, when a resize
    follows), every other action by its declared Cost. `cut`: whether a leading region must be
    copied out (not when the decoder already made it the whole image). Updates `state`."""
    for index in range(start, len(calls)):
        call, size_in, size_out = calls[index], sizes[index], sizes[index + 1]
        action = call.action
        fused = action.region and not action.apply and index + 1 < len(calls) and calls[index + 1].action.draft
        if fused:
            continue  # the resize after it reads the region in place
        declared = action.cost
        grey = state.bpp == 1
        if declared.colours or declared.adds_alpha:
            state.bpp = 4
        out = state.bpp * pixels(size_out)
        if action.draft:
            after_cut = index > start and calls[index - 1].action.region and not calls[index - 1].action.apply
            scratch, ns = resample_cost(sizes[index - 1] if after_cut else size_in, size_out, state.bpp)
            if index == loaded:
                scratch, ns = 0, 0  # resampled while decoding (counted there)
            scratch += out  # fill's crop or pad's canvas
        else:
            copies = declared.copies
            if state.alpha and declared.alpha_copies is not None:
                copies = declared.alpha_copies
            if grey and declared.grey_copies is not None:
                copies = declared.grey_copies
            extra = declared.extra(size_in, call.args) if declared.extra else 0
            strip = min(STRIP, state.bpp * pixels(size_in))  # an image below the budget is one strip
            scratch = copies * out + declared.strips * strip + extra
            ns = declared.ns_in * pixels(size_in) + declared.ns_out * pixels(size_out)
            if action.region and (cut or index > start):  # cut out (crop, indexcrop, circle's square)
                scratch += state.bpp * pixels(_size_of(action.region(size_in, call.args)))
        state.alpha = state.alpha or declared.adds_alpha
        if normalise_at == index:
            scratch += out
            ns += NORMALISE_NS * pixels(size_in)
        cost.step(action.name, live + scratch, out, ns)
        live = out


def _encode_ns(fmt: str, px: int) -> float:
    cost = formats.by_name(fmt).cost
    return px * (cost.level_ns(px) if cost.level_ns else cost.encode_ns)


def _encoded(cost: Estimate, size: Size, fmt: str, progressive: bool, max_output: int | None, state: Working,
             frames: int = 1) -> None:  # fmt: skip
    codec = formats.by_name(fmt).cost
    px = pixels(size) * frames
    scratch = px * (codec.encode_bytes + (codec.progressive_bytes if progressive else 0))
    if state.alpha:
        scratch += px * codec.alpha_bytes
    if not formats.by_name(fmt).alpha and state.alpha:
        scratch += 4 * px  # transparency flattened onto white, into a new image
    written = min(max_output or float("inf"), 3 * px)
    cost.step(f"encode {fmt}", cost.live + scratch + 2 * written, 0, _encode_ns(fmt, pixels(size)) * frames)


def decoded_pixels(source: Probe, box: Box | None, target: Size | None = None) -> tuple[float, Size, float]:
    """What `decode_region` will decode: (pixels, size of the region in them, bytes held aside by
    the decoder). Mirrors its choices: libwebp's crop and rescale, JPEG's DCT scale, the rows a
    top-down decode stops at."""
    width, height = source.size
    bw, bh = _size_of(box) if box else (width, height)
    if _like_jpeg(source):  # a JPEG TIFF's strips joined into one JPEG (a copy of the file), then decoded as one
        rows = box[3] if box else height
        scale = _dct_scale(width, height, bw, bh, target) if target else 1
        inner = (math.ceil(bw / scale), math.ceil(bh / scale))
        return math.ceil(width / scale) * math.ceil(rows / scale), inner, len(source.data)
    if _region_decoded(source):
        fx = max(1, int(bw / target[0] / strips.REDUCING_GAP)) if target else 1
        fy = max(1, int(bh / target[1] / strips.REDUCING_GAP)) if target else 1
        inner = (math.ceil(bw / fx), math.ceil(bh / fy))
        return pixels(inner), inner, held_aside(source, box, target)
    rows = box[3] if box and source.sequential else height
    if target and source.kind.scales_on_load:
        scale = _dct_scale(width, height, bw, bh, target)
        return math.ceil(width / scale) * math.ceil(rows / scale), (math.ceil(bw / scale), math.ceil(bh / scale)), 0
    return width * rows, (bw, bh), 0


def _dct_scale(width: int, height: int, bw: float, bh: float, target: Size) -> int:
    """The JPEG DCT scale decode_region picks: the largest that leaves the box above the target."""
    at_least = (-(-(target[0] + 1) * width // bw), -(-(target[1] + 1) * height // bh))
    ratio = min(width // max(1, at_least[0]), height // max(1, at_least[1]))
    return next((s for s in (8, 4, 2) if ratio >= s), 1)


def _decode_ns(source: Probe, decoded: float, held: float, box: Box | None = None) -> float:
    """A region decoder may say what it works through (libvips' PNG reader: every row above the
    box's bottom); one that holds the whole image (lossless WebP) works through all of it."""
    read_ns = getattr(source.kind.region_decoder, "read_ns", None) if _region_decoded(source) else None
    if read_ns:
        return read_ns(source, box)
    return formats.by_name(source.format).cost.decode_ns * (pixels(source.size) if held else decoded)


def _decoded_as_region(source: Probe, region: Box) -> bool:
    """Whether decoding `region` (libwebp's crop, or a top-down decode stopping at its bottom row)
    leaves exactly the region, so it needs no copy of its own."""
    if _like_jpeg(source):  # decoded as a JPEG: full rows down to the region's last
        return tuple(region[:3]) == (0, 0, source.size[0])
    if _region_decoded(source):
        if getattr(source.kind.region_decoder, "EXACT_REGION", False):  # libvips' PNG reader
            return True
        return region[0] % 2 == 0 and region[1] % 2 == 0  # libwebp snaps a crop's origin to even pixels
    return source.sequential and tuple(region[:3]) == (0, 0, source.size[0])


def _like_jpeg(source: Probe) -> bool:
    """A region decoder that joins the file into a JPEG and decodes that (JPEG inside TIFF)."""
    return _region_decoded(source) and getattr(source.kind.region_decoder, "LIKE_JPEG", False)


def _region_decoded(source: Probe) -> bool:
    decoder = source.kind.region_decoder
    return decoder is not None and source.frames == 1 and decoder.available() and decoder.handles(source)


def held_aside(source: Probe, box: Box | None = None, target: Size | None = None) -> float:
    """What a decoder keeps beside the image: a region decoder may hold the whole image (lossless
    WebP), or say what it holds (libvips' PNG reader); Pillow's own WebP plugin (animations)
    holds canvases and copies."""
    decoder = source.kind.region_decoder
    if decoder is not None and _region_decoded(source):
        held = getattr(decoder, "held_bytes", None)
        scratch = held(source, box, target) if held else 0
        return scratch + (WHOLE_DECODE_BYTES * pixels(source.size) if decoder.holds_whole(source.data) else 0)
    if decoder is not None:  # decoded by Pillow's plugin instead
        return source.kind.cost.animation_decode_bytes * pixels(source.size)
    return 0


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def described_cost(source: Probe, call: Any) -> Estimate:
    """info reads the header; average-hue decodes (at a reduced scale where it can) to a thumbnail."""
    cost = Estimate()
    cost.step("header", 0, 0, 0)  # the tags and EXIF read into Python objects, the JSON built: the slack
    if call.action.name == "average-hue":
        decoded, _, held = decoded_pixels(source, None, (128, 128))
        raw = mode_bytes(source.image.mode) + formats.by_name(source.format).cost.decode_bytes
        cost.step("decode", decoded * raw + held + STRIP, 0, _decode_ns(source, decoded, held))
    return cost


# Measured in fresh processes (/proc's VmHWM) on this project's machine, one thread:
DETECTOR_BYTES = 80 * MB  # numpy, onnxruntime and the session, resident from then on (measured: 67 MB of RSS)
NET_BYTES = 16 * MB  # what one run allocates and gives back (measured: 180 MB at 1024 x 1024, 140 MB at
NET_PX_BYTES = 190  # 1024 x 768, 102 MB at 1024 x 576): this, plus this per pixel of its input
DETECT_PX_NS = 180  # the net on one core, per pixel of its input (measured: 154-184 ms at 1024 x 1024)


def sight_cost(source: Probe) -> Estimate:
    """Finding faces: the source decoded at a reduced scale and let go once shrunk to the probe;
    then the detector (its libraries too, on the first request that needs them) over the probe
    and its copies (RGB, scaled to the net's input, as floats)."""
    from ..faces import PROBE_SIDE, net_input

    cost = Estimate()
    decoded, _, held = decoded_pixels(source, None, (PROBE_SIDE, PROBE_SIDE))
    raw = mode_bytes(source.image.mode) + formats.by_name(source.format).cost.decode_bytes
    net_px = pixels(net_input(source.image.size)[0])
    probe_bytes = net_px * (3 + 3 + 3 * 4)
    cost.step("probe", decoded * raw + held + STRIP + probe_bytes, probe_bytes, _decode_ns(source, decoded, held))
    cost.loaded = 0 if "onnxruntime" in sys.modules else DETECTOR_BYTES
    cost.step("find faces", probe_bytes + cost.loaded + NET_BYTES + net_px * NET_PX_BYTES, 0, net_px * DETECT_PX_NS)
    return cost


def _size_of(box: Box) -> Size:
    return int(box[2] - box[0]), int(box[3] - box[1])


class Budget(NamedTuple):
    """The memory a request may use: the function's, less what the process already holds."""

    limit_mb: int
    margin_mb: int = 48  # the runtime, the response's base64 copy, allocator slack

    def available(self) -> float:
        return (self.limit_mb - self.margin_mb) * MB - resident_bytes() + reusable_bytes()

    def check(self, estimate: Estimate, seconds_left: float | None) -> None:
        estimate.resident = resident_bytes() - reusable_bytes()
        available = self.available()
        if estimate.peak * SAFETY > available:
            raise too_large(
                f"MemLimitExceeded: this request needs about {estimate.megabytes:,.0f} MB to process the image; "
                f"the function has {max(0, available) / MB:,.0f} MB free (MemorySize {self.limit_mb} MB). "
                "Ask for a smaller size or region, or raise the function's memory.",
                "0040-00000012",
            )
        if seconds_left is not None and estimate.seconds > seconds_left:
            raise OssError(
                "ImageTooLarge",
                f"TimeLimitExceeded: this request would take about {estimate.seconds:,.1f} s; "
                f"the function has {max(0.0, seconds_left):,.1f} s. Ask for a smaller size or a simpler chain.",
                400,
            )


def resident_bytes() -> float:
    """This process's resident memory now (Linux); 0 where it cannot be read."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0.0


def reusable_bytes() -> float:
    """Freed image memory Pillow keeps for reuse: resident, but the next image takes it first."""
    from PIL import Image

    stats = Image.core.get_stats()
    return stats.get("blocks_cached", 0) * Image.core.get_block_size()
