"""Bytes to pixels and back: every format as one record, the decoders (whole, a region, frames;
PNG, WebP and JPEG-in-TIFF by region decoders of their own) and the encoders."""
