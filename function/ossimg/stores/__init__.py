"""Where objects live: S3 (the only AWS code) and memory."""
