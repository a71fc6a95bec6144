"""OSS's style API on the bucket: PutStyle, GetStyle, ListStyle and DeleteStyle.

    PUT    /?style&styleName=<n>   <Style><Content>image/...</Content></Style>   -> 200
    GET    /?style&styleName=<n>   -> <Style><Name/><Content/><Category/><CreateTime/><LastModifyTime/></Style>
    GET    /?style                 -> <StyleList><Style>...</Style>...</StyleList>
    DELETE /?style&styleName=<n>   -> 204

Reads need an OSS signature; writes also need STYLE_API (and the template's write grant on the
styles' prefix). Styles are the same objects `style/<n>` and `make style` use.
"""

from __future__ import annotations

from ...config import Settings
from ...core.errors import OssError
from ..request import ImageRequest, check_body
from ..response import HttpResponse, escape, http_date
from .store import Style, StyleStore, check_name, no_such_style

STYLE_NAME = "styleName"
CATEGORY = "image"


def answer(req: ImageRequest, settings: Settings, styles: StyleStore) -> HttpResponse:
    name = req.param(STYLE_NAME)
    if req.method == "GET" and name is None:
        return _xml(req, "<StyleList>" + "".join(_style_xml(style) for style in styles.all()) + "</StyleList>")
    if name is None:
        raise OssError("InvalidArgument", f"The style API needs the {STYLE_NAME} parameter.", 400)
    if req.method == "GET":
        check_name(name)
        style = styles.find(name)
        if style is None:
            raise no_such_style(name)
        return _xml(req, _style_xml(style))
    if req.method in ("PUT", "DELETE") and not settings.style_api:
        raise OssError("AccessDenied", "Styles are read-only on this service (STYLE_API).", 403)
    if req.method == "PUT":
        check_body(req)
        styles.put(name, content_of(req.body))
        return _empty(req, 200)
    if req.method == "DELETE":
        check_name(name)
        styles.delete(name)
        return _empty(req, 204)
    raise OssError(
        "MethodNotAllowed",
        f"The method {req.method} is not allowed on styles; use GET, PUT, DELETE.",
        405,
        headers={"Allow": "GET, PUT, DELETE"},
    )


def content_of(body: bytes) -> str:
    """The Content of a PutStyle body."""
    from xml.etree import ElementTree  # only style writes parse XML

    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:  # no entity expansion, ever
        raise _malformed()
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise _malformed() from None
    content = root.findtext("Content") if root.tag == "Style" else None
    if content is None:
        raise _malformed()
    return content.strip()


def _malformed() -> OssError:
    return OssError("MalformedXML", "The XML you provided was not well-formed or did not validate.", 400)


def _style_xml(style: Style) -> str:
    fields = (
        ("Name", style.name),
        ("Content", style.content),
        ("Category", CATEGORY),
        ("CreateTime", http_date(style.created)),
        ("LastModifyTime", http_date(style.modified)),
    )
    return "<Style>" + "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in fields) + "</Style>"


def _xml(req: ImageRequest, inner: str) -> HttpResponse:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n{inner}\n'.encode()
    headers = {
        "Content-Type": "application/xml",
        "Content-Length": str(len(body)),
        "Cache-Control": "no-store",
        "x-oss-request-id": req.request_id,
    }
    return HttpResponse(200, headers, b"" if req.is_head else body, text=True, meta={"action": "style"})


def _empty(req: ImageRequest, status: int) -> HttpResponse:
    headers = {"Content-Length": "0", "Cache-Control": "no-store", "x-oss-request-id": req.request_id}
    return HttpResponse(status, headers, meta={"action": "style"})
