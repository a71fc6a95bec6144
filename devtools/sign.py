"""Sign a URL for this service: `python -m devtools.sign SECRET KEY PROCESS [EXPIRES]`.

The function is the README's five-line client snippet, kept here so the tests prove it.
"""

import hashlib
import hmac
import sys
import urllib.parse as u


def signed_url(base: str, key: str, process: str, secret: str, expires: int | None = None) -> str:
    q = sorted([("x-oss-process", process)] + ([("x-expires", str(expires))] if expires else []))
    query = "&".join(f"{u.quote(k, safe='-._~')}={u.quote(v, safe='-._~')}" for k, v in q)
    path = "/" + u.quote(key, safe="/-._~")
    sig = hmac.new(secret.encode(), f"{path}\n{query}".encode(), hashlib.sha256).hexdigest()
    return f"{base}{path}?{query}&x-signature={sig}"


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: python -m devtools.sign SECRET KEY PROCESS [EXPIRES]")
    expires = int(sys.argv[4]) if len(sys.argv) == 5 else None
    print(signed_url("", sys.argv[2], sys.argv[3], sys.argv[1], expires))
