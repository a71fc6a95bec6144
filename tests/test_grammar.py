"""The process-string grammar: structure, typed values, and every documented error code."""

import pytest

from ossimg.core.errors import OssError
from ossimg.core.grammar import parse


def error_of(process: str) -> OssError:
    with pytest.raises(OssError) as caught:
        parse(process)
    return caught.value


def test_actions_apply_left_to_right_with_typed_values():
    chain = parse("image/resize,w_200/rotate,90/quality,q_80/format,png")
    assert [c.action.name for c in chain.calls] == ["resize", "rotate", "quality", "format"]
    assert chain.calls[0].args["w"] == 200
    assert chain.calls[1].args["rotate"] == 90


def test_value_split_at_first_underscore_last_repeat_wins_unknown_keys_ignored():
    chain = parse("image/resize,w_100,w_300,zz_1/crop,w_100,h_100,x_100,y_100,r_1")
    assert chain.calls[0].args["w"] == 300
    assert "zz" not in chain.calls[0].args and "r" not in chain.calls[1].args


def test_canonical_form_is_the_same_for_the_same_meaning():
    a = parse("image/resize,w_0100,m_lfit/format,jpeg")
    b = parse("image/resize,w_100/format,jpg")
    assert a.canonical == b.canonical
    assert parse("image/resize,w_100").canonical != parse("image/resize,w_101").canonical


def test_auto_orient_defaults_on_and_the_last_value_wins():
    assert parse("image/resize,w_1").auto_orient is True
    assert parse("image/auto-orient,0/resize,w_1").auto_orient is False
    assert parse("image/auto-orient,0/auto-orient,1").auto_orient is True


def test_quality_capital_q_wins_over_q():
    opts = parse("image/quality,q_50,Q_80").encode_options()
    assert opts.quality_abs == 80 and opts.quality_rel is None


@pytest.mark.parametrize(
    "process, code, ec",
    [
        ("image/", "MissingArgument", "0040-00000212"),
        ("image", "MissingArgument", "0040-00000212"),
        ("image/slim,1", "InvalidArgument", "0040-00000213"),
        ("image/resize", "MissingArgument", "0040-00000322"),  # OSS's EC page: a bare resize
        ("image/resize,w_0", "InvalidArgument", "0040-00000312"),
        ("image/resize,w_16385", "InvalidArgument", "0040-00000312"),
        ("image/resize,w_abc", "InvalidArgument", "0040-00000312"),
        ("image/resize,h_0", "InvalidArgument", "0040-00000313"),
        ("image/resize,l_0", "InvalidArgument", "0040-00000314"),
        ("image/resize,s_0", "InvalidArgument", "0040-00000315"),
        ("image/resize,p_0", "InvalidArgument", "0040-00000317"),
        ("image/resize,p_1001", "InvalidArgument", "0040-00000317"),
        ("image/resize,m_abc,w_10", "InvalidArgument", "0040-00000311"),
        ("image/resize,limit_3,w_10", "InvalidArgument", "0040-00000319"),
        ("image/resize,w_10,color_GGGGGG", "InvalidArgument", "0040-00000318"),  # not 6 hex digits
        ("image/resize,w_10,color_FFF", "InvalidArgument", "0040-00000318"),
        ("image/resize,w_0,h_0", "InvalidArgument", "0040-00000321"),  # both sides zero: their own code
        ("image/crop,w_-1", "InvalidArgument", "0040-00000225"),
        ("image/crop,w_abc", "InvalidArgument", "0040-00000225"),
        ("image/crop,h_-5", "InvalidArgument", "0040-00000226"),
        ("image/crop,g_middle", "InvalidArgument", "0040-00000209"),  # an unknown gravity
        ("image/rotate,400", "InvalidArgument", "0040-00000217"),
        ("image/rotate,abc", "InvalidArgument", "0040-00000217"),
        ("image/rotate,a_90", "InvalidArgument", "0040-00000217"),
        ("image/rotate,-90", "InvalidArgument", "0040-00000217"),
        ("image/auto-orient,abc", "InvalidArgument", "0040-00000215"),
        ("image/auto-orient,10", "InvalidArgument", "0040-00000215"),
        # OSS's EC pages: a bare rotate or auto-orient names no value (0040-00000216, 0040-00000214),
        # and more values than an action takes is 0040-00000203.
        ("image/rotate", "MissingArgument", "0040-00000216"),
        ("image/resize,w_100/auto-orient", "MissingArgument", "0040-00000214"),
        ("image/rotate,90,200,300", "InvalidArgument", "0040-00000203"),
        ("image/bright,10,20", "InvalidArgument", "0040-00000203"),
        ("image/quality", "MissingArgument", "0040-00000307"),
        ("image/quality,Q_200", "InvalidArgument", "0040-00000308"),
        ("image/quality,Q_0", "InvalidArgument", "0040-00000308"),
        ("image/quality,q_200", "InvalidArgument", "0040-00000309"),
        ("image/quality,200", "InvalidArgument", "0040-00000310"),
        ("image/format", "MissingArgument", "0040-00000207"),
        ("image/format,dng", "InvalidArgument", "0040-00000206"),
        ("image/format,f_png", "InvalidArgument", "0040-00000206"),
        ("image/interlace", "MissingArgument", "0040-00000281"),
        ("image/interlace,2", "InvalidArgument", "0040-00000282"),
        ("image/resize,s_700,limit_0/info", "InvalidArgument", None),
        ("image/info/rotate,90", "InvalidArgument", None),
        ("style/thumb", "InvalidArgument", None),
        ("image/resize,w_1" + ",x" * 3000, "InvalidArgument", "0017-00000288"),
    ],
)
def test_documented_errors(process, code, ec):
    err = error_of(process)
    assert (err.code, err.ec, err.status) == (code, ec, 400)


def test_invalid_value_message_uses_oss_wording():
    assert error_of("image/resize,w_0").message == "The value: 0 of parameter: w is invalid."


@pytest.mark.parametrize("process", ["image/info,foo", "image/resize,w_10/", "image/rotate,90,"])
def test_lenient_forms(process):
    parse(process)  # trailing slashes, empty and stray items are ignored


@pytest.mark.parametrize(
    "process",
    [
        "image/resize,w_1",
        "image/resize,w_16384",
        "image/resize,h_16384",
        "image/resize,l_1",
        "image/resize,s_16384",
        "image/resize,p_1",
        "image/resize,p_1000",
        "image/resize,limit_0,w_1",
        "image/resize,w_1,color_ff00aa",
        "image/resize,m_lfit,w_1",
        "image/resize,m_mfit,w_1",
        "image/resize,m_fill,w_1",
        "image/resize,m_pad,w_1",
        "image/resize,m_fixed,w_1",
        "image/rotate,0",
        "image/rotate,360",
        "image/quality,q_1",
        "image/quality,q_100",
        "image/quality,Q_1",
        "image/quality,Q_100",
        "image/crop,w_0,h_0,x_0,y_0",
        "image/auto-orient,0",
        "image/auto-orient,1",
        "image/interlace,0",
        "image/interlace,1",
        "image/format,jpeg",
        "image/format,avif",
    ],
)
def test_range_edges_are_accepted(process):
    parse(process)


def test_every_action_module_is_registered_under_its_own_name():
    from pathlib import Path

    from ossimg.core.actions import MODULES, REGISTRY

    folder = Path(__file__).resolve().parent.parent / "function" / "ossimg" / "core" / "actions"
    with_action = {p.stem for p in folder.glob("*.py") if "\nACTION = " in p.read_text()}
    assert set(MODULES.values()) == with_action
    assert all(REGISTRY[name].name == name for name in MODULES)
    assert REGISTRY.get("no-such-action") is None and len(REGISTRY) == len(MODULES)


def test_an_action_module_loads_when_a_request_first_names_it():
    import subprocess
    import sys

    code = (
        "import sys; from ossimg.core.grammar import parse; parse('image/resize,w_10/quality,q_80'); "
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('ossimg.core.actions.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["['base',", "'params',", "'quality',", "'resize']"]
