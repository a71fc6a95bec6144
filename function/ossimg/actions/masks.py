"""Antialiased shape masks, drawn at 4x and reduced, shared by circle and rounded-corners."""

from PIL import Image

SUPERSAMPLE = 4


def with_mask(img: Image.Image, mask: Image.Image) -> Image.Image:
    """The image with `mask` as alpha (combined with any alpha it had); outside is transparent."""
    rgba = img.convert("RGBA")
    if "A" in img.getbands():
        from PIL import ImageChops

        mask = ImageChops.multiply(mask, rgba.getchannel("A"))
    rgba.putalpha(mask)
    return rgba


def ellipse_mask(size: tuple[int, int]) -> Image.Image:
    return _drawn(size, lambda draw, w, h: draw.ellipse((0, 0, w - 1, h - 1), fill=255))


def rounded_mask(size: tuple[int, int], radius: int) -> Image.Image:
    return _drawn(size, lambda draw, w, h: draw.rounded_rectangle((0, 0, w - 1, h - 1), radius * SUPERSAMPLE, fill=255))


def _drawn(size, paint) -> Image.Image:
    from PIL import ImageDraw

    w, h = size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE
    big = Image.new("L", (w, h), 0)
    paint(ImageDraw.Draw(big), w, h)
    return big.resize(size, Image.Resampling.BOX)
