"""The pipeline: source bytes + parsed chain -> output bytes. Pure; no AWS, no HTTP.

Order: read the header; check source limits; walk the chain over sizes alone, so every
limit is checked before a pixel is decoded; decode (JPEG draft when shrinking); apply
EXIF orientation unless auto-orient,0; apply the actions left to right; encode once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from PIL import Image

from .actions.base import EncodeOptions
from .budget.costs import Budget, Estimate, described_cost, estimate, sight_cost
from .budget.deadline import NO_DEADLINE, Deadline
from .budget.limits import Limits
from .codecs import formats
from .codecs.decode import (
    TRANSPOSING,
    WORKING_MODES,
    Probe,
    decode,
    decode_frames,
    decode_region,
    normalise_mode,
    normalised,
    oriented,
    probe,
    stored_region,
)
from .codecs.encode import encode, encode_animation
from .codecs.formats import EncoderSettings
from .errors import OssError
from .grammar import Call, Chain
from .pixels import parallel, strips
from .pixels.geometry import round_half_up

if TYPE_CHECKING:
    from .faces import Sight

Box = tuple[float, float, float, float]
Size = tuple[int, int]


EMPTY: Mapping[str, Any] = MappingProxyType({})  # a default mapping no caller can change


class Rendered(NamedTuple):
    body: bytes
    content_type: str
    cost: Estimate | None = None  # what the plan expected it to take


class Job(NamedTuple):
    """Everything a render may use besides the source and the chain."""

    limits: Limits = Limits()
    encoders: EncoderSettings = EncoderSettings()
    fonts: tuple[str, ...] = ()  # where the watermark fonts are
    resources: Mapping[str, bytes] = EMPTY  # the objects the chain names (watermarks)
    deadline: Deadline = NO_DEADLINE  # checked between actions, between frames and before encoding
    budget: Budget | None = None  # the memory it may use: with the deadline, checked against the plan's cost
    prefer: tuple[str, ...] = ()  # formats the client accepts, best first (auto-format), when none is named
    max_output: int | None = None  # the largest output worth encoding (None: any)
    threads: int = 0  # strips worked on at once (0: one per CPU)
    source_tag: str | None = None  # the source's ETag: what faces found in it are remembered under


DEFAULT_JOB = Job()


def render(data: bytes, chain: Chain, job: Job = DEFAULT_JOB) -> Rendered:
    limits, deadline, budget = job.limits, job.deadline, job.budget
    parallel.configure(job.threads)
    Image.MAX_IMAGE_PIXELS = limits.max_source_pixels  # Pillow's bomb guard: a second net
    source = probe(data)
    checked = _checked(source, chain, job, len(data))
    if isinstance(checked, Rendered):
        return checked
    chain, opts, fmt, animate, orient = checked
    chain, sighted = located(data, source, chain, orient, job)
    sizes = plan(source, chain, orient, limits)
    fmt = _output_format(source, opts, fmt, animate, sizes, job)
    quality = output_quality(opts, fmt, source.quality)
    chain = prepared(chain, sizes, MarkKit(job))
    cost = estimate(source, chain, sizes, orient, fmt, opts.progressive, animate, job.max_output)
    if sighted:
        cost.add_before(sighted)
    if budget:
        deadline.check()  # out of time already: a 503 to retry, not the request's fault
        budget.check(cost, deadline.remaining())

    mime = formats.by_name(fmt).mime
    if animate:
        animation = decode_frames(source, lambda frame: apply_chain(frame, chain, sizes, deadline))
        deadline.check()
        body = encode_animation(animation, fmt, quality, source.icc, job.max_output, job.encoders)
        return Rendered(body, mime, cost)
    image, done, where = load(source, chain, orient, sizes[0])
    source.release()  # the decoded pixels now belong to `image` alone, and go when it moves on
    box, origin = (where, (0, 0)) if done else (None, where or (0, 0))
    image = apply_chain(image, chain, sizes, deadline, done, box, origin)
    deadline.check()
    body = encode(image, fmt, quality, opts.progressive, source.icc, job.max_output, job.encoders)
    return Rendered(body, mime, cost)


MORE_HEADER_BYTES = 192 * 1024  # metadata read beyond the first bytes, at most (else: the whole file)
MORE_HEADER_READS = 4


def preflight(
    head: bytes,
    nbytes: int,
    chain: Chain,
    job: Job = DEFAULT_JOB,
    read_range: Callable[[int, int], bytes] | None = None,
) -> Rendered | None:
    """What a source's first bytes (`head`, of an object of `nbytes`) decide before the rest is
    read: every limit and format check that runs before decoding (raised as render raises it),
    and image/info's answer itself; None when the pixels are needed after all. Only formats
    whose header says everything are read this way (see Format.header_first), with the few
    further ranges their metadata needs (`read_range(offset, length)`); a header longer than
    `head` leaves it all to render."""
    kind = formats.sniff(head)
    if kind is None or not kind.header_first:
        return None
    Image.MAX_IMAGE_PIXELS = job.limits.max_source_pixels
    alone = chain.standalone
    wanted = bool(alone and alone.action.from_header)  # only an answer about the source reads its metadata
    header = _with_metadata(head, nbytes, kind, read_range if wanted else None)
    if header is None:
        return None
    try:
        source = probe(header)
    except OssError:
        return None  # cut off inside the header (or damaged: the whole file says which)
    if alone and not wanted:
        job.limits.check_source(source.format, source.size, source.frames, nbytes)
        return None
    checked = _checked(source, chain, job, nbytes)
    if isinstance(checked, Rendered):
        return checked
    chain, opts, fmt, animate, orient = checked
    if not any(call.action.locate for call in chain.calls):  # face-aware sizes need the faces
        _output_format(source, opts, fmt, animate, plan(source, chain, orient, job.limits), job)
    return None


def _with_metadata(
    head: bytes, nbytes: int, kind: formats.Format, read_range: Callable[[int, int], bytes] | None
) -> bytes | None:
    """`head`, or for a format whose metadata lies further on, a file of `nbytes` holding `head`
    and, given `read_range`, those ranges (zeros elsewhere: nothing there is read before
    decoding; without it the limits, which need only the header, are checked with the metadata
    left out); None when its header is not all in `head`, or the ranges would take more than a
    few small reads."""
    if kind.metadata_at is None or len(head) >= nbytes:
        return head
    extents = kind.metadata_at.metadata_extents(head)
    if extents is None:
        return None
    ahead = [(max(offset, len(head)), offset + length) for offset, length in extents if offset + length > len(head)]
    wanted = _merged(ahead) if read_range is not None else []
    if len(wanted) > MORE_HEADER_READS or sum(end - start for start, end in wanted) > MORE_HEADER_BYTES:
        return None
    if any(end > nbytes for _, end in wanted):
        return None  # an item said to lie past the file's end: the whole file will say what it is
    sparse = bytearray(nbytes)  # whole-file readers (libheif, libavif) check their boxes against its length
    sparse[: len(head)] = head
    for start, end in wanted:
        assert read_range is not None
        sparse[start:end] = read_range(start, end - start)
    return bytes(sparse)


def _merged(ranges: list[tuple[int, int]], gap: int = 4096) -> list[tuple[int, int]]:
    """(start, end) ranges sorted, those within `gap` of each other read as one."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _checked(
    source: Probe, chain: Chain, job: Job, nbytes: int
) -> Rendered | tuple[Chain, EncodeOptions, str, bool, bool]:
    """The source's limits, then a describing chain's answer, or what the rest of the chain is
    rendered with: (chain, its encoder options, output format, animated, oriented)."""
    job.limits.check_source(source.format, source.size, source.frames, nbytes)
    alone = chain.standalone
    if alone and alone.action.describe:
        cost = described_cost(source, alone)
        if job.budget:
            job.budget.check(cost, job.deadline.remaining())
        return Rendered(alone.action.describe(source, nbytes), "application/json", cost)
    opts = chain.encode_options()
    fmt = output_format(opts.format, source.format)
    animate = source.frames > 1 and formats.by_name(fmt).animated and chain.animates
    if animate:
        chain = chain.for_animation()
    orient = chain.auto_orient and source.orientation != 1
    refuse_unsupported(source, chain)
    return chain, opts, fmt, animate, orient


def _output_format(source: Probe, opts: EncodeOptions, fmt: str, animate: bool, sizes: list[Size], job: Job) -> str:
    """The format written (auto-format's pick when the chain names none), checked against its limits."""
    if job.prefer and opts.format is None:
        fmt = negotiated(job.prefer, fmt, animate, sizes[-1], source.size, job.limits)
    job.limits.check_output(fmt, sizes[-1], source.size)
    refuse_conversion(source, fmt)
    return fmt


def located(data: bytes, source: Probe, chain: Chain, orient: bool, job: Job) -> tuple[Chain, Estimate | None]:
    """The chain with its face-aware calls resolved (crop,g_face becomes a plain crop), and what
    finding the faces cost (None: nothing looked). The faces are found once, on a small probe whose
    own cost the budget admits first, and carried through the calls before each one that asks."""
    size = source.upright_size(orient)
    before: list[tuple] = []  # (action, args, size in, size out) of the calls so far
    calls = []
    spent: list[Estimate] = []

    def look() -> Sight:
        from . import faces  # the face code (numpy, onnxruntime with it) loads with the first request that asks

        if not spent:
            spent.append(sight_cost(source))
            if job.budget:
                job.budget.check(spent[0], job.deadline.remaining())
        return faces.seen(data, orient, job.source_tag).through(before)

    for call in chain.calls:
        if call.action.locate:
            call = Call(call.action, call.action.locate(call.args, size, look))
        out = call.action.size(size, call.args, job.limits)
        before.append((call.action, call.args, size, out))
        calls.append(call)
        size = out
    return Chain(tuple(calls)), (spent[0] if spent else None)


class MarkKit:
    """What the pipeline lends an action that builds on another image (a watermark's mark): the
    same probe, limits, decoding, orientation and actions as for the source itself."""

    def __init__(self, job: Job):
        self.job = job

    @property
    def fonts(self) -> tuple[str, ...]:
        return self.job.fonts

    def open(self, key: str) -> Image.Image:
        data = self.job.resources[key]
        try:
            mark = probe(data)
        except OssError:
            raise OssError("WatermarkError", f"The watermark {key} is not an image.", 400, "0040-00000027") from None
        if not mark.kind.watermark:
            allowed = ", ".join(f.name.upper() for f in formats.REGISTRY if f.watermark)
            raise OssError(
                "WatermarkError", f"The watermark {key} is {mark.format}; use {allowed}.", 400, "0040-00000027"
            )
        self.job.limits.check_source(mark.format, mark.size, 1, len(data))
        return oriented(decode(mark), mark.orientation).convert("RGBA")

    def apply(self, image: Image.Image, chain: Chain) -> Image.Image:
        return apply_chain(image, chain, plan_sizes(image.size, chain, self.job.limits), NO_DEADLINE)


def prepared(chain: Chain, sizes: list[tuple[int, int]], kit: MarkKit) -> Chain:
    """Work done once per request, not per frame: e.g. a watermark's mark, built at its input size."""
    calls = tuple(
        Call(call.action, call.action.prepare(call.args, size, kit)) if call.action.prepare else call
        for call, size in zip(chain.calls, sizes)
    )
    return Chain(calls)


def apply_chain(
    image: Image.Image,
    chain: Chain,
    sizes: list[tuple[int, int]],
    deadline: Deadline,
    done: int = 0,
    box: Box | None = None,
    origin: tuple[float, float] = (0, 0),
) -> Image.Image:
    """Apply the calls after the first `done` (which `load` already did), starting from the part
    `box` of `image` (None: all of it).

    A region (crop, indexcrop) is not cut at once: consecutive regions add up to one box, and a
    resize that follows resamples straight from that box, so a crop of a huge image is never
    copied whole. `image` may still be in its decoded mode (a palette, 16-bit grey): it is
    normalised at the first cut or resample, where it is smallest.
    """
    for call, size in list(zip(chain.calls, sizes))[done:]:
        action = call.action
        deadline.check()
        if action.region:
            x0, y0, x1, y1 = action.region(size, call.args)
            ox, oy = origin  # where `image` starts in the logical image, until it is first cut
            box = _within(box, (x0 - ox, y0 - oy, x1 - ox, y1 - oy))
            if not action.apply:
                continue
        if box is not None or image.mode not in WORKING_MODES:
            image = _resampled(image, action.draft(size, call.args), box) if action.draft else _cut(image, box)
            box, origin = None, (0, 0)
        if action.apply:
            image = action.apply(image, call.args, size)
    return _cut(image, box) if box is not None or image.mode not in WORKING_MODES else image


def _within(outer: Box | None, inner: Box) -> Box:
    """`inner`, a box of the image `outer` cuts out, as a box of the whole image."""
    if outer is None:
        return inner
    return outer[0] + inner[0], outer[1] + inner[1], outer[0] + inner[2], outer[1] + inner[3]


def _cut(image: Image.Image, box: Box | None) -> Image.Image:
    if box is not None and box != (0, 0, *image.size):
        image = image.crop(box)
    return normalised(image)


def _resampled(image: Image.Image, size: tuple[int, int], box: Box | None) -> Image.Image:
    whole = (0, 0, *image.size)
    if box is not None and box != whole and (box[2] - box[0], box[3] - box[1]) == size:
        return normalised(image.crop(box))  # the box is the size asked for: a cut, not a resample
    return strips.resample(image, size, box, normalise_mode)


def plan(source: Probe, chain: Chain, orient: bool, limits: Limits) -> list[tuple[int, int]]:
    """The logical size entering each action, then the final size."""
    if orient:
        limits.check_rotation(source.size)
    return plan_sizes(source.upright_size(orient), chain, limits)


def plan_sizes(size: tuple[int, int], chain: Chain, limits: Limits) -> list[tuple[int, int]]:
    sizes = [size]
    for call in chain.calls:
        sizes.append(call.action.size(sizes[-1], call.args, limits))
    return sizes


def load(source: Probe, chain: Chain, orient: bool, upright: tuple[int, int]) -> tuple[Image.Image, int, tuple | None]:
    """Decode no more than the chain's start needs and orient it; how many calls that did, and
    the box of the result that a leading region (crop, indexcrop) keeps, still to cut (or, when
    a masking region such as circle's was decoded alone, where the result starts).

    A resize first, or a region then a resize: decoded at a reduced scale where the format can
    (JPEG DCT scaling, libwebp's rescaler) to no less than the target, resampled from the region,
    all before orientation, so only the small image is turned. A region first: decoded no lower
    than its bottom row (JPEG, PNG) or only the region (WebP). Otherwise the whole image, as
    decoded (normalised later, when it is smallest).
    """
    calls = chain.calls
    orientation = source.orientation if orient else 1
    first = calls[0].action
    region = first.region(upright, calls[0].args) if first.region else None
    cut_only = region is not None and not first.apply  # crop, indexcrop (not circle, which masks)
    resizer = calls[1] if cut_only and len(calls) > 1 else calls[0]
    if resizer.action.draft:
        done = 1 if cut_only else 0
        stored_box = stored_region(region, orientation, upright) if cut_only and region else None
        target = resizer.action.draft(_size_of(region) if cut_only and region else upright, resizer.args)
        stored_target = target[::-1] if orientation in TRANSPOSING else target
        image, box = decode_region(source, stored_box, stored_target)
        return oriented(_resampled(image, stored_target, box), orientation), done, None
    reduction = first.reducible_by(calls[0].args) if first.reducible_by else 1
    if reduction > 1 and source.kind.scales_on_load:
        stored = source.size
        at_least = (-(-stored[0] // reduction), -(-stored[1] // reduction))
        return oriented(decode(source, at_least=at_least, normalise=False), orientation), 0, None
    if region and orientation == 1:
        image, box = decode_region(source, region)
        if cut_only:
            return image, 1, box
        assert box is not None, "a region was asked for"
        # A masking region (circle) is cut by its own call: say where the decoded part starts.
        return image, 0, (region[0] - box[0], region[1] - box[1])
    return oriented(decode(source, normalise=False), orientation), 0, None


def _size_of(box: tuple[int, int, int, int]) -> Size:
    return box[2] - box[0], box[3] - box[1]


def negotiated(
    prefer: tuple[str, ...],
    default: str,
    animated: bool,
    size: tuple[int, int],
    source_size: tuple[int, int],
    limits: Limits,
) -> str:
    """The first accepted format that can hold this result (AVIF: stills within its pixel limit)."""
    for fmt in prefer:
        if (animated and not formats.by_name(fmt).animated) or not limits.allows_output(fmt, size, source_size):
            continue
        return fmt
    return default


def refuse_unsupported(source: Probe, chain: Chain) -> None:
    """Actions OSS does not apply to some source formats (rounded-corners on a GIF)."""
    for call in chain.calls:
        if source.format in call.action.refused_sources:
            raise OssError(
                "InvalidArgument",
                f"The {call.action.name} operation cannot be applied to {source.format.upper()} images.",
            )


def refuse_conversion(source: Probe, fmt: str) -> None:
    """A source with alpha that OSS will not turn into `fmt` (HEIC with alpha into JPG)."""
    if fmt in source.kind.alpha_not_to and source.image is not None and "A" in source.image.getbands():
        raise OssError(
            "InvalidArgument",
            f"{source.format.upper()} images with an alpha channel cannot be converted to {fmt.upper()}.",
        )


def output_format(requested: str | None, source_format: str) -> str:
    if requested is None or (formats.by_name(requested).only_from_itself and source_format != requested):
        return source_format  # OSS: format,gif keeps a non-GIF source's format
    return requested


def output_quality(opts: EncodeOptions, fmt: str, source_quality: int | None) -> int:
    ceiling = source_quality or 100
    if opts.quality_abs:
        return min(opts.quality_abs, ceiling)
    if opts.quality_rel:
        if formats.by_name(fmt).relative_quality:
            return max(1, round_half_up(ceiling * opts.quality_rel, 100))
        return min(opts.quality_rel, ceiling)  # for WebP, q behaves like Q
    if source_quality and formats.by_name(fmt).keeps_source_quality:
        return source_quality
    return formats.by_name(fmt).default_quality or 85
