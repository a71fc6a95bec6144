"""One HTTP request end to end, AWS-free: decoding the request, the rules (signatures, styles,
source restrictions), the response. Stores are injected (see ports)."""
