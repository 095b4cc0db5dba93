"""The upload limiter stops reading a multipart body at the limit (per file and in all)."""

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory

from motcua.core.uploads import LimitedUploadHandler

PDF = b"%PDF-1.7\n"


def _parse(files: dict, limiter: LimitedUploadHandler):
    request = RequestFactory().post("/", data=files)
    parser = MultiPartParser(
        request.META, request, [limiter, MemoryFileUploadHandler(request)], request.encoding or "utf-8"
    )
    return parser.parse()


@pytest.mark.parametrize(
    ("sizes", "too_large", "field"),
    [
        ({"a": 900, "b": 900}, False, None),  # each under 1000, in all under 2500
        ({"a": 900, "b": 1100}, True, "b"),  # one file over the per-file limit
        ({"a": 900, "b": 900, "c": 900}, True, "c"),  # each fine, together over the limit
    ],
)
def test_the_limiter_names_the_file_that_overflowed(sizes, too_large, field):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = {
        k: SimpleUploadedFile(f"{k}.pdf", PDF + b"0" * (n - len(PDF)), "application/pdf")
        for k, n in sizes.items()
    }
    limiter = LimitedUploadHandler(limit=2500, per_file=1000)
    _post, received = _parse(files, limiter)
    assert limiter.too_large is too_large
    assert limiter.too_large_field == field
    if too_large:
        assert field not in received  # the overflowing file is never handed to the view
    else:
        assert sorted(received) == sorted(sizes)
