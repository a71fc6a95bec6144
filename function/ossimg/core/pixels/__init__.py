"""Work on pixels that every stage shares: strip by strip, on threads, on the grid OSS places by."""
