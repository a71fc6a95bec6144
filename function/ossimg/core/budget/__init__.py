"""Can we afford it: the limits, the memory and time every request would cost (planned from the
header, before decoding), and the deadline that stops it in time."""
