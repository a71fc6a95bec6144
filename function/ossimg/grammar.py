"""The process-string grammar: image/<action>,<k>_<v>,.../<action>... -> a validated Chain.

Within an action a key and its value split at the first `_` (values may hold `_`), a
repeated key keeps its last value, and unknown keys are ignored, as OSS does.
"""

from __future__ import annotations

from dataclasses import dataclass

from .actions import REGISTRY, Action, EncodeOptions
from .errors import OssError, invalid_value, missing_argument
from .params import format_value, parse_value

MAX_PROCESS_LENGTH = 4096
MAX_RESOURCES = 3  # OSS: at most three image watermarks on one image


@dataclass(frozen=True)
class Call:
    action: Action
    args: dict

    @property
    def canonical(self) -> str:
        if self.action.value:
            return f"{self.action.name},{format_value(self.action.value, self.args[self.action.name])}"
        declared = {param.name: param for param in self.action.params}
        items = [f"{k}_{format_value(declared[k], v)}" for k, v in sorted(self.args.items()) if k in declared]
        return ",".join([self.action.name, *items])


@dataclass(frozen=True)
class Chain:
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
        flags = [call.args["auto-orient"] for call in self.calls if call.action.name == "auto-orient"]
        return bool(flags[-1]) if flags else True

    @property
    def animates(self) -> bool:
        """Whether every action keeps an animation animated (OSS: resize by w/h, crop, watermark)."""
        return all(call.action.animates and call.action.animates(call.args) for call in self.calls)

    def never_enlarging(self) -> Chain:
        """The chain with resize's limit_1 forced on: OSS never enlarges an animation."""
        return Chain(
            tuple(
                Call(call.action, {**call.args, "limit": 1}) if call.action.name == "resize" else call
                for call in self.calls
            )
        )

    def resource_keys(self) -> list[str]:
        """Objects the chain reads besides the source (watermark images), each once."""
        keys = [key for call in self.calls if call.action.resources for key in call.action.resources(call.args)]
        return list(dict.fromkeys(keys))

    def encode_options(self) -> EncodeOptions:
        opts = EncodeOptions()
        for call in self.calls:
            if call.action.encode:
                opts = call.action.encode(opts, call.args)
        return opts


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
    args = _value_args(action, items) if action.value else _key_value_args(action, items)
    if action.check:
        action.check(args)
    return Call(action, args)


def _value_args(action: Action, items: list[str]) -> dict:
    param = action.value
    if not items:
        if param.default is None:
            raise missing_argument(f"{action.name} needs a value.", action.missing_ec)
        return {param.name: param.default}
    if len(items) > 1:
        raise invalid_value(param.name, ",".join(items), param.ec)
    return {param.name: parse_value(param, items[0])}


def _key_value_args(action: Action, items: list[str]) -> dict:
    if not items and action.missing_ec:
        raise missing_argument(f"{action.name} needs parameters.", action.missing_ec)
    declared = {param.name: param for param in action.params}
    raw: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("_")
        if not sep:
            if action.params:
                raise invalid_value(action.name, item, action.bare_value_ec)
            continue
        if key in declared:
            raw[key] = value  # the last of a repeated key wins
    args = {name: param.default for name, param in declared.items() if param.default is not None}
    args.update({key: parse_value(declared[key], value) for key, value in raw.items()})
    for param in action.params:
        if param.required and param.name not in args:
            raise missing_argument(f"{action.name} needs the parameter {param.name}.", param.ec)
    return args
