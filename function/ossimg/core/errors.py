"""OSS-style errors: a code, an HTTP status, a message and, where OSS documents one, an EC."""

from __future__ import annotations


class OssError(Exception):
    """An error the client caused or can act on; rendered as OSS's XML error body."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        ec: str | None = None,
        headers: dict | None = None,
        details: tuple[tuple[str, str], ...] = (),
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.ec = ec
        self.headers = headers or {}  # what the status itself requires, such as Allow on a 405
        self.details = details  # further XML elements OSS adds for this code, e.g. StringToSign


def invalid_value(name: str, value: str, ec: str | None) -> OssError:
    # OSS's wording for every parameter-validation failure.
    return OssError("InvalidArgument", f"The value: {value} of parameter: {name} is invalid.", 400, ec)


def missing_argument(message: str, ec: str | None) -> OssError:
    return OssError("MissingArgument", message, 400, ec)


def too_large(message: str, ec: str | None = None) -> OssError:
    return OssError("ImageTooLarge", message, 400, ec)


class OutputTooLarge(OssError):
    """The encoder's output passed the most that can be delivered (the caller says why)."""

    def __init__(self, limit: int):
        super().__init__("ImageTooLarge", f"The result would be larger than {limit:,} bytes.", 400)
        self.limit = limit


def unsupported_format() -> OssError:
    return OssError("BadRequest", "This image format is not supported.", 400, "0040-00000005")


def damaged(ec: str | None = None) -> OssError:
    return OssError("BadRequest", "The image file may be damaged.", 400, ec or "0040-00000005")


def no_such_key() -> OssError:
    return OssError("NoSuchKey", "The specified key does not exist.", 404, "0040-00000024")
