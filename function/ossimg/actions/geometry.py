"""Integer helpers shared by the geometry actions."""

GRID = ("nw", "north", "ne", "west", "center", "east", "sw", "south", "se")


def round_half_up(num: int, den: int) -> int:
    """num/den rounded half up, exactly (OSS: 937.5 -> 938)."""
    return (2 * num + den) // (2 * den)


def scale_side(side: int, num: int, den: int) -> int:
    """side * num / den, rounded half up, never below one pixel."""
    return max(1, round_half_up(side * num, den))


def grid_origin(g: str, outer: tuple[int, int], inner: tuple[int, int]) -> tuple[int, int]:
    """Top-left of an `inner` box anchored at nine-grid cell `g` of `outer` (no margins)."""
    (W, H), (w, h) = outer, inner
    col = {"w": 0, "c": 1, "e": 2}[_column(g)]
    row = {"n": 0, "c": 1, "s": 2}[_row(g)]
    x = (0, (W - w) // 2, W - w)[col]
    y = (0, (H - h) // 2, H - h)[row]
    return x, y


def _column(g: str) -> str:
    if g in ("nw", "west", "sw"):
        return "w"
    if g in ("ne", "east", "se"):
        return "e"
    return "c"


def _row(g: str) -> str:
    if g in ("nw", "north", "ne"):
        return "n"
    if g in ("sw", "south", "se"):
        return "s"
    return "c"
