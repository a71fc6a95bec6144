"""Who may read and write: signed URLs, OSS signatures (V1 and V4), and the bucket's rules (ACL,
source-image protection, Referer)."""
