"""/var/runtime/probe.py of the emulated runtime: what the function would find there, as JSON.

What a request's answer cannot show: the platform itself, where each package was imported from
(the layers' urllib3 over the runtime's), and decoders that would fall back quietly when their
library does not load (libvips for PNG). Runs inside the emulated runtime with the function's
search path; prints one line, `PROBE {...}`.
"""

import json
import platform
import sys

from bootstrap import search_path


def main() -> None:
    sys.path[:] = search_path()
    import importlib.util

    import boto3
    import botocore
    import urllib3
    from PIL import features

    from ossimg.core import faces
    from ossimg.core.codecs import png

    facts = {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "boto3": [boto3.__version__, boto3.__file__],
        "botocore": [botocore.__version__, botocore.__file__],
        "urllib3": [urllib3.__version__, urllib3.__file__],
        "libvips": png.available(),
        "faces": faces.available(),
        "opencv": importlib.util.find_spec("cv2") is not None,
        "pillow": {name: features.check(name) for name in ("jpg", "zlib", "webp", "avif", "freetype2")},
    }
    print("PROBE " + json.dumps(facts), flush=True)


if __name__ == "__main__":
    main()
