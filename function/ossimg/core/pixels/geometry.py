"""Integer helpers shared by the geometry actions."""

# Nine-grid cell -> (column, row), each 0 (left/top), 1 (middle) or 2 (right/bottom).
CELLS = {
    "nw": (0, 0),
    "north": (1, 0),
    "ne": (2, 0),
    "west": (0, 1),
    "center": (1, 1),
    "east": (2, 1),
    "sw": (0, 2),
    "south": (1, 2),
    "se": (2, 2),
}
GRID = tuple(CELLS)


def round_half_up(num: int, den: int) -> int:
    """num/den rounded half up, exactly (OSS: 937.5 -> 938)."""
    return (2 * num + den) // (2 * den)


def scale_side(side: int, num: int, den: int) -> int:
    """side * num / den, rounded half up, never below one pixel."""
    return max(1, round_half_up(side * num, den))


def grid_origin(g: str, outer: tuple[int, int], inner: tuple[int, int]) -> tuple[int, int]:
    """Top-left of an `inner` box anchored at nine-grid cell `g` of `outer`; odd leftovers round down."""
    (W, H), (w, h) = outer, inner
    col, row = CELLS[g]
    return (0, (W - w) // 2, W - w)[col], (0, (H - h) // 2, H - h)[row]
