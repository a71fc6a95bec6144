"""watermark: where the mark lands for each g, tiling, opacity, text drawing, image marks, errors."""

import io

import pytest
from PIL import Image, ImageChops

from conftest import BUCKET, encoded, run, sample, xml_fields
from ossimg.core.actions.params import b64encode
from ossimg.core.errors import OssError
from ossimg.core.grammar import parse

WHITE = encoded(Image.new("RGB", (300, 200), (255, 255, 255)))
RED_MARK = encoded(Image.new("RGBA", (50, 30), (255, 0, 0, 255)))
RESOURCES = {"mark.png": RED_MARK}
MARK = b64encode("mark.png")


def marked(process: str, base: bytes = WHITE, resources=None) -> Image.Image:
    image, _ = run(base, "image/" + process, resources=resources or RESOURCES)
    return image.convert("RGB")


def changed_box(image: Image.Image, base: bytes = WHITE, threshold: int = 0):
    """Where `image` differs from `base` by more than `threshold` (JPEG noise needs one)."""
    reference = Image.open(io.BytesIO(base)).convert("RGB")
    grey = ImageChops.difference(image, reference).convert("L")
    return grey.point(lambda v: 255 if v > threshold else 0).getbbox()


@pytest.mark.parametrize(
    "g, box",
    [
        ("nw", (10, 10, 60, 40)),
        ("north", (125, 10, 175, 40)),
        ("ne", (240, 10, 290, 40)),
        ("west", (10, 85, 60, 115)),
        ("center", (125, 85, 175, 115)),
        ("east", (240, 85, 290, 115)),
        ("sw", (10, 160, 60, 190)),
        ("south", (125, 160, 175, 190)),
        ("se", (240, 160, 290, 190)),
    ],
)
def test_nine_grid_placement_with_default_margins(g, box):
    assert changed_box(marked(f"watermark,image_{MARK},g_{g}")) == box


@pytest.mark.parametrize(
    "extra, box",
    [
        ("g_nw,x_0,y_0", (0, 0, 50, 30)),
        ("g_se,x_30,y_20", (220, 150, 270, 180)),
        ("g_north,x_100,y_5", (125, 5, 175, 35)),  # x only matters in the side columns
        ("g_west,y_100", (10, 85, 60, 115)),  # y only matters in the top and bottom rows
        ("g_center,voffset_40", (125, 125, 175, 155)),  # positive voffset moves down
        ("g_east,voffset_-50", (240, 35, 290, 65)),
        ("g_south,voffset_40", (125, 160, 175, 190)),  # voffset only moves the middle row
    ],
)
def test_margins_and_voffset(extra, box):
    assert changed_box(marked(f"watermark,image_{MARK},{extra}")) == box


def test_the_default_anchor_is_south_east():
    assert changed_box(marked(f"watermark,image_{MARK}")) == (240, 160, 290, 190)


def test_opacity():
    opaque = marked(f"watermark,image_{MARK},g_center,t_100").getpixel((150, 100))
    half = marked(f"watermark,image_{MARK},g_center,t_50").getpixel((150, 100))
    clear = marked(f"watermark,image_{MARK},g_center,t_0")
    assert opaque == (255, 0, 0)
    assert half[0] == 255 and 120 <= half[1] <= 135
    assert changed_box(clear) is None


def test_fill_tiles_the_whole_image_with_gaps():
    image = marked(f"watermark,image_{MARK},g_nw,x_0,y_0,fill_1,padx_10,pady_20")
    assert image.getpixel((0, 0)) == (255, 0, 0) and image.getpixel((55, 0)) == (255, 255, 255)
    assert image.getpixel((60, 0)) == (255, 0, 0) and image.getpixel((0, 35)) == (255, 255, 255)
    assert image.getpixel((0, 50)) == (255, 0, 0) and image.getpixel((245, 155)) == (255, 0, 0)
    assert image.getpixel((295, 185)) == (255, 255, 255)  # in the gaps after the last tiles


def test_fill_passes_through_the_anchored_tile():
    image = marked(f"watermark,image_{MARK},g_center,fill_1,padx_7,pady_9")
    assert image.getpixel((125, 85)) == (255, 0, 0) and image.getpixel((124, 85)) == (255, 255, 255)


def test_a_mark_larger_than_the_image_is_clipped():
    big = {"mark.png": encoded(Image.new("RGBA", (500, 400), (0, 0, 255, 255)))}
    image = marked(f"watermark,image_{MARK},g_center", resources=big)
    assert image.size == (300, 200) and image.getpixel((0, 0)) == (0, 0, 255)


# text ------------------------------------------------------------------------------------------


def text(value: str) -> str:
    return b64encode(value)


def dark_pixels(image: Image.Image) -> int:
    return sum(1 for p in image.convert("L").tobytes() if p < 128)


@pytest.mark.parametrize(
    "font",
    [
        "wqy-zenhei",
        "wqy-microhei",
        "fangzhengshusong",
        "fangzhengkaiti",
        "fangzhengheiti",
        "fangzhengfangsong",
        "droidsansfallback",
    ],
)
def test_cjk_text_is_drawn_in_every_font(font):
    image = marked(f"watermark,text_{text('图片服务')},type_{text(font)},size_40,g_center")
    box = changed_box(image)
    assert box and 120 <= box[2] - box[0] <= 200 and 30 <= box[3] - box[1] <= 50  # four 40-px glyphs
    assert dark_pixels(image) > 600


def test_missing_glyphs_fall_back_to_a_font_that_has_them():
    latin = marked(f"watermark,text_{text('Hello')},type_{text('droidsansfallback')},g_center")
    zenhei = marked(f"watermark,text_{text('Hello')},type_{text('wqy-zenhei')},g_center")
    assert ImageChops.difference(latin, zenhei).getbbox() is None  # drawn by WenQuanYi, not as boxes


def test_documented_text_example():
    image, rendered = run(sample("example.jpg"), "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ")
    assert image.size == (400, 267) and rendered.content_type == "image/jpeg"
    box = changed_box(image.convert("RGB"), sample("example.jpg"), threshold=60)
    assert 385 <= box[2] <= 392 and 250 <= box[3] <= 259 and box[0] > 100  # bottom right, 10 px margins


def test_documented_full_text_example():
    image, _ = run(
        sample("example.jpg"),
        "image/resize,w_300,h_300/watermark,type_d3F5LXplbmhlaQ,size_30,text_SGVsbG8gV29ybGQ,color_FFFFFF,shadow_50,t_100,g_se,x_10,y_10",
    )
    assert image.size == (300, 200)


def test_colour_size_shadow_and_rotation():
    assert red_box(marked(f"watermark,text_{text('Hi')},color_FF0000,g_center,size_60"))
    small = changed_box(marked(f"watermark,text_{text('Hi')},size_20,g_center"))
    large = changed_box(marked(f"watermark,text_{text('Hi')},size_80,g_center"))
    assert (large[2] - large[0]) > 3 * (small[2] - small[0])
    white_text = f"watermark,text_{text('Hi')},color_FFFFFF,size_60,g_center"
    assert changed_box(marked(white_text)) is None  # white on white: invisible
    assert dark_pixels(marked(white_text + ",shadow_100")) > 50  # ...until it casts a shadow
    wide = changed_box(marked(f"watermark,text_{text('Hello World')},g_center"))
    tall = changed_box(marked(f"watermark,text_{text('Hello World')},g_center,rotate_90"))
    assert (wide[2] - wide[0]) > (wide[3] - wide[1]) and (tall[3] - tall[1]) > (tall[2] - tall[0])


# image and mixed marks -------------------------------------------------------------------------


def test_image_mark_pre_processing_and_percent_of_the_base():
    process = b64encode("mark.png?x-oss-process=image/resize,P_10")
    box = changed_box(marked(f"watermark,image_{process},g_nw,x_0,y_0"))
    assert box == (0, 0, 30, 18)  # 50x30 fitted into 10 % of 300x200 = 30x20
    rotated = b64encode("mark.png?x-oss-process=image/rotate,90")
    assert changed_box(marked(f"watermark,image_{rotated},g_nw,x_0,y_0")) == (0, 0, 30, 50)
    cropped = b64encode("mark.png?x-oss-process=image/crop,w_10,h_10/resize,w_20,limit_0")
    assert changed_box(marked(f"watermark,image_{cropped},g_nw,x_0,y_0")) == (0, 0, 20, 20)


def red_box(image: Image.Image):
    r, g, _ = image.split()
    return ImageChops.subtract(r, g).point(lambda v: 255 if v > 200 else 0).getbbox()


def test_mixed_mark_order_align_and_interval():
    base = f"watermark,image_{MARK},text_{text('Hi')},g_nw,x_0,y_0,size_60"
    whole = changed_box(marked(base))
    height = red_box(marked(base + ",align_2"))[3]  # the row is as tall as the text line
    assert height > 30
    assert red_box(marked(base + ",align_0")) == (0, 0, 50, 30)  # image first (order_0), top
    assert red_box(marked(base + ",align_1")) == (0, (height - 30) // 2, 50, (height - 30) // 2 + 30)
    assert red_box(marked(base)) == (0, height - 30, 50, height)  # align_2 (bottom) is the default
    text_first = red_box(marked(base + ",order_1"))
    assert text_first[0] > 20 and text_first[2] - text_first[0] == 50  # the image comes after the text
    spaced = changed_box(marked(base + ",interval_40"))
    assert spaced[2] - spaced[0] == whole[2] - whole[0] + 40


def test_several_watermarks_in_one_chain():
    image = marked(f"watermark,image_{MARK},g_nw/watermark,image_{MARK},g_se/watermark,text_{text('x')},g_center")
    assert image.getpixel((20, 20)) == (255, 0, 0) and image.getpixel((280, 180)) == (255, 0, 0)


def test_at_most_three_image_watermarks():
    four = "/".join(f"watermark,image_{b64encode(f'm{i}.png')}" for i in range(4))
    with pytest.raises(OssError) as caught:
        parse("image/" + four)
    assert caught.value.code == "WatermarkError"
    parse("image/" + "/".join(f"watermark,image_{MARK},g_{g}" for g in ("nw", "ne", "sw", "se")))  # same image: fine


def test_watermarked_animation_keeps_its_frames():
    image, rendered = run(sample("example.gif"), f"image/watermark,image_{MARK}", resources=RESOURCES)
    assert rendered.content_type == "image/gif" and image.n_frames == 3


@pytest.mark.parametrize(
    "process, code, ec",
    [
        ("watermark", "MissingArgument", "0040-00000278"),
        ("watermark,t_50", "MissingArgument", "0040-00000278"),
        (f"watermark,text_{text('a')},t_200", "InvalidArgument", "0040-00000263"),
        (f"watermark,text_{text('a')},g_xx", "InvalidArgument", "0040-00000260"),
        (f"watermark,text_{text('a')},x_8000", "InvalidArgument", "0040-00000262"),
        (f"watermark,text_{text('a')},y_8000", "InvalidArgument", "0040-00000264"),
        (f"watermark,text_{text('a')},voffset_2000", "InvalidArgument", "0040-00000268"),
        (f"watermark,text_{text('a')},fill_2", "InvalidArgument", "0040-00000274"),
        (f"watermark,text_{text('a')},fill_1,padx_5000", "InvalidArgument", "0040-00000276"),
        (f"watermark,text_{text('a')},fill_1,pady_5000", "InvalidArgument", "0040-00000277"),
        ("watermark,image_notbase64", "InvalidArgument", "0040-00000265"),
        ("watermark,text_", "InvalidArgument", "0040-00000258"),
        (f"watermark,text_{text('x' * 65)}", "InvalidArgument", "0040-00000259"),
        (f"watermark,text_{text('a')},type_!!", "InvalidArgument", "0040-00000250"),
        (f"watermark,text_{text('a')},type_{text('comic-sans')}", "InvalidArgument", "0040-00000251"),
        (f"watermark,text_{text('a')},color_AABBCCDD", "InvalidArgument", "0040-00000254"),
        (f"watermark,text_{text('a')},shadow_101", "InvalidArgument", "0040-00000255"),
        (f"watermark,text_{text('a')},size_0", "InvalidArgument", "0040-00000256"),
        (f"watermark,text_{text('a')},size_1001", "InvalidArgument", "0040-00000256"),
        (f"watermark,text_{text('a')},rotate_361", "InvalidArgument", "0040-00000272"),
        (f"watermark,text_{text('a')},image_{MARK},order_2", "InvalidArgument", "0040-00000269"),
        (f"watermark,text_{text('a')},image_{MARK},interval_1001", "InvalidArgument", "0040-00000270"),
        (f"watermark,text_{text('a')},image_{MARK},align_3", "InvalidArgument", "0040-00000271"),
        (f"watermark,image_{b64encode('m.png?x-oss-process=image/blur,r_1,s_1')}", "WatermarkError", None),
        (f"watermark,image_{b64encode('m.png?x-oss-process=image/resize,P_200')}", "InvalidArgument", None),
        # a watermark inside the mark's own processing, and info there: OSS's own codes
        (
            f"watermark,image_{b64encode('m.png?x-oss-process=image/watermark,image_bS5wbmc')}",
            "InvalidArgument",
            "0040-00000373",
        ),
        (f"watermark,image_{b64encode('m.png?x-oss-process=image/info')}", "InvalidArgument", "0040-00000374"),
    ],
)
def test_documented_errors(process, code, ec):  # and the EC catalogue
    with pytest.raises(OssError) as caught:
        parse("image/" + process)
    assert (caught.value.code, caught.value.ec, caught.value.status) == (code, ec, 400)


def test_text_up_to_64_utf8_bytes_is_accepted_padded_or_not():
    """OSS's 0040-00000259 page: the decoded text may be 64 long, counted in UTF-8 bytes (21 CJK characters)."""
    parse(f"watermark,text_{text('字' * 21)}".join(["image/", ""]))
    parse(f"watermark,text_{text('a' * 64)}".join(["image/", ""]))
    for too_long in ("字" * 22, "a" * 65):
        with pytest.raises(OssError) as caught:
            parse(f"image/watermark,text_{text(too_long)}")
        assert caught.value.ec == "0040-00000259"
    with pytest.raises(OssError) as caught:
        parse("image/watermark,text_not*base64")
    assert caught.value.ec == "0040-00000257"  # not base64; empty text is 0040-00000258
    padded = __import__("base64").urlsafe_b64encode(b"Hello World").decode()
    assert padded.endswith("=") and parse(f"image/watermark,text_{padded}").calls[0].args["text"] == "Hello World"


# through the handler: the watermark object comes from the bucket -------------------------------


def test_documented_image_examples_through_the_handler(get):  # with OSS's encodings
    for query in (
        "watermark,image_cGFuZGEucG5n",
        "resize,w_300/watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA,t_90,g_se,x_10,y_10",
        "watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA,text_SGVsbG8gV29ybGQ",
    ):
        reply = get("/example.jpg", "x-oss-process=image/" + query)
        assert reply.status == 200, reply.text
        assert changed_box(reply.image.convert("RGB").resize((400, 267)), sample("example.jpg")) is not None


def test_a_missing_watermark_object_is_a_clear_400(get):
    """OSS's 0040-00000025 page: the watermark (logo) image does not exist."""
    reply = get("/example.jpg", f"x-oss-process=image/watermark,image_{b64encode('nope.png')}")
    assert reply.status == 400 and b"<Code>WatermarkError</Code>" in reply.body and b"nope.png" in reply.body
    assert xml_fields(reply.body)["EC"] == "0040-00000025"


@pytest.mark.parametrize("key, ec", [("notes/readme.txt", "0040-00000027"), ("example.gif", "0040-00000027")])
def test_unusable_watermark_objects(get, key, ec):
    reply = get("/example.jpg", f"x-oss-process=image/watermark,image_{b64encode(key)}")
    assert reply.status == 400 and f"<EC>{ec}</EC>".encode() in reply.body


def test_watermark_objects_obey_the_source_limits(get, s3, monkeypatch):
    import app

    monkeypatch.setattr(
        app, "SETTINGS", app.SETTINGS._replace(limits=app.SETTINGS.limits._replace(max_source_side=100))
    )
    s3.put_object(Bucket=BUCKET, Key="wide.png", Body=encoded(Image.new("RGBA", (150, 10))))
    small = encoded(Image.new("RGB", (90, 90)))
    s3.put_object(Bucket=BUCKET, Key="small.png", Body=small)
    reply = get("/small.png", f"x-oss-process=image/watermark,image_{b64encode('wide.png')}")
    assert reply.status == 400 and b"ImageTooLarge" in reply.body
