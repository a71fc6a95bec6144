"""One cold start, as Lambda runs it: import the handler, serve one small request, exit.

`make bench` times this in fresh processes beside a process that only imports Pillow and
creates the boto3 S3 client (the floor any Python image function pays). The source is swapped
for one small image in memory, so no network is timed.
"""

import os

os.environ.setdefault("SOURCE_BUCKET", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")

import app  # noqa: E402
from ossimg.service.styles.store import StyleStore  # noqa: E402
from ossimg.stores.memory import MemorySource  # noqa: E402

SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "example.jpg")


class Context:
    function_name, function_version, memory_limit_in_mb = "cold", "$LATEST", "1769"
    invoked_function_arn, aws_request_id = "arn:aws:lambda:us-east-1:0:function:cold", "cold-1"

    def get_remaining_time_in_millis(self) -> int:
        return 28_000


with open(SAMPLE, "rb") as sample:
    source = MemorySource({"example.jpg": sample.read()})
app.BACKENDS = app.BACKENDS._replace(source=source, styles=StyleStore(source, "_styles/", 60))
event = {
    "path": "/example.jpg",
    "httpMethod": "GET",
    "headers": {},
    "queryStringParameters": {"x-oss-process": "image/resize,w_100"},
    "requestContext": {"requestId": "cold-1", "stage": "prod"},
}
assert app.handler(event, Context())["statusCode"] == 200
