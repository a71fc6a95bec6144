"""Styles: named process strings in the bucket, and OSS's API that manages them."""
