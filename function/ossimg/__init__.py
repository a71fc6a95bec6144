"""OSS image processing (x-oss-process=image/...) on Pillow.

Pure pipeline: nothing in this package except `source` talks to AWS.
"""
