"""The process-string grammar: image/<action>,<k>_<v>,.../<action>... -> a validated Chain.

Within an action a key and its value split at the first `_` (values may hold `_`), a
repeated key keeps its last value, and unknown keys are ignored, as OSS does.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .actions import REGISTRY, Action, EncodeOptions
from .actions.params import Int, Param, format_value, parse_value
from .errors import OssError, invalid_value, missing_argument

MAX_PROCESS_LENGTH = 4096
MAX_RESOURCES = 3  # OSS: at most three image watermarks on one image


class Call(NamedTuple):
    action: Action
    args: dict

    @property
    def canonical(self) -> str:
        if self.action.value:
            return f"{self.action.name},{format_value(self.action.value, self.args[self.action.name])}"
        declared = {param.name: param for param in self.action.params}
        items = [f"{k}_{format_value(declared[k], v)}" for k, v in sorted(self.args.items()) if k in declared]
        return ",".join([self.action.name, *items])


class Chain(NamedTuple):
    calls: tuple[Call, ...]

    @property
    def canonical(self) -> str:
        """A normal form of the request: same meaning, same text (defaults spelled out)."""
        return "image/" + "/".join(call.canonical for call in self.calls)

    @property
    def standalone(self) -> Call | None:
        """The describing action (info, average-hue), which is always alone in its chain."""
        return next((call for call in self.calls if call.action.describe), None)

    @property
    def auto_orient(self) -> bool:
        """Whether EXIF orientation is applied: yes, unless a call that decides says no (the last wins)."""
        flags = [call.action.orients(call.args) for call in self.calls if call.action.orients]
        return flags[-1] if flags else True

    @property
    def animates(self) -> bool:
        """Whether every action keeps an animation animated (OSS: resize by w/h, crop, watermark)."""
        return all(call.action.animates and call.action.animates(call.args) for call in self.calls)

    def for_animation(self) -> Chain:
        """The chain as it applies to every frame of an animation (resize never enlarges one)."""
        return Chain(
            tuple(
                Call(call.action, call.action.in_animation(call.args)) if call.action.in_animation else call
                for call in self.calls
            )
        )

    def resource_keys(self) -> list[str]:
        """Objects the chain reads besides the source (watermark images), each once."""
        keys = [value.key for call in self.calls for value in call.args.values() if isinstance(value, Embedded)]
        return list(dict.fromkeys(keys))

    def encode_options(self) -> EncodeOptions:
        opts = EncodeOptions()
        for call in self.calls:
            if call.action.encode:
                opts = call.action.encode(opts, call.args)
        return opts


class Step(NamedTuple):
    """One pre-processing action of an embedded image, and the P_ that fits its result."""

    chain: Chain | None  # None: a resize given only P_
    percent: int | None  # P_: fit into this percent of the base image's width and height


class Embedded(NamedTuple):
    """An image named inside a parameter (a watermark's image): its key and its own pre-processing,
    parsed with the request so the work is checked once and never parsed again."""

    text: str  # as given (decoded), for the canonical form
    key: str
    steps: tuple[Step, ...]


def _embedded(param: Param, text: str) -> Embedded:
    key, _, query = text.partition("?")
    process = query.removeprefix("x-oss-process=") if query else ""
    if not key or (query and not query.startswith("x-oss-process=")) or (process and not process.startswith("image/")):
        raise invalid_value(param.name, text, param.ec)
    steps = []
    for segment in (seg for seg in process.removeprefix("image/").split("/") if seg):
        name, *items = segment.split(",")
        if name in _NOT_IN_EMBEDDED:
            raise OssError("InvalidArgument", f"A watermark image's processing may not hold {name}.", 400,
                           _NOT_IN_EMBEDDED[name])  # fmt: skip
        if name not in param.choices:
            allowed = ", ".join(param.choices)
            raise OssError("WatermarkError", f"A watermark image allows only {allowed}: not {segment}.", 400)
        kept = [item for item in items if not item.startswith("P_")]
        percents = [item[2:] for item in items if item.startswith("P_")]
        percent = parse_value(PERCENT, percents[-1]) if name == param.percent_on and percents else None
        only_percent = name == param.percent_on and not any(kept)  # "resize,P_30": nothing but the fit
        chain = None if only_percent else Chain((_parse_action(",".join([name, *kept])),))
        steps.append(Step(chain, percent))
    return Embedded(text, key, tuple(steps))


# A watermark image's own processing: OSS names these two misuses with their own codes.
_NOT_IN_EMBEDDED = {"watermark": "0040-00000373", "info": "0040-00000374"}
PERCENT = Int("P", 1, 100)
TOO_MANY_VALUES_EC = "0040-00000203"  # rotate,90,180: more values than the action takes


def parse(process: str) -> Chain:
    if len(process) > MAX_PROCESS_LENGTH:
        raise OssError("InvalidArgument", "The x-oss-process value is too long.", 400, "0017-00000288")
    kind, _, body = process.partition("/")
    if kind != "image":
        raise OssError("InvalidArgument", f"The process type {kind!r} is not supported; use image/...", 400)
    segments = [seg for seg in body.split("/") if seg]
    if not segments:
        raise missing_argument("No image action is given after image/.", "0040-00000212")
    calls = tuple(_parse_action(seg) for seg in segments)
    chain = Chain(calls)
    alone = chain.standalone
    if alone and len(calls) > 1:
        raise OssError("InvalidArgument", f"{alone.action.name} cannot be combined with other actions.", 400)
    if len(chain.resource_keys()) > MAX_RESOURCES:
        raise OssError("WatermarkError", f"At most {MAX_RESOURCES} different watermark images are allowed.", 400)
    return chain


def _parse_action(segment: str) -> Call:
    name, *items = segment.split(",")
    action = REGISTRY.get(name)
    if action is None:
        raise OssError("InvalidArgument", f"The operation {name} is not supported.", 400, "0040-00000213")
    items = [item for item in items if item]
    args = _value_args(action, action.value, items) if action.value else _key_value_args(action, items)
    if action.check:
        action.check(args)
    return Call(action, args)


def _value_args(action: Action, param: Param, items: list[str]) -> dict:
    if not items:
        if param.default is None:
            raise missing_argument(f"{action.name} needs a value.", action.missing_ec)
        return {param.name: param.default}
    if len(items) > 1:
        raise invalid_value(param.name, ",".join(items), TOO_MANY_VALUES_EC)
    return {param.name: parse_value(param, items[0])}


def _key_value_args(action: Action, items: list[str]) -> dict:
    if not items and action.missing_ec:
        raise missing_argument(f"{action.name} needs parameters.", action.missing_ec)
    declared = {param.name: param for param in action.params}
    raw: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("_")
        if not sep and key in declared:
            sep = "_"  # a parameter named without a value is given an empty one (watermark,text: EC 0258)
        if not sep:
            if action.params:
                raise invalid_value(action.name, item, action.bare_value_ec)
            continue
        if key in declared:
            raw[key] = value  # the last of a repeated key wins
    args: dict[str, Any] = {name: param.default for name, param in declared.items() if param.default is not None}
    args.update({key: parse_value(declared[key], value) for key, value in raw.items()})
    for key in raw:
        if declared[key].kind == "embedded":
            args[key] = _embedded(declared[key], args[key])
    for param in action.params:
        if param.required and param.name not in args:
            raise missing_argument(f"{action.name} needs the parameter {param.name}.", param.ec)
    return args
