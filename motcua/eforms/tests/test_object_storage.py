"""Papers on S3-compatible object storage (MOTCUA_STORAGE=s3, ADR 0042): a real S3 server over
HTTP (moto's server mode on a free loopback port), the settings' own `storage_config`, and the real
path a citizen's upload takes — the e-form's papers page, the check, the dossier's document."""

import socket

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from motcua.core.testing import minimal_pdf
from motcua.dossiers.models import Dossier
from motcua.settings import storage_config

from .conftest import sign_in
from .test_papers_and_versions import _to_papers
from .test_submission import start

BUCKET = "motcua-giay-to"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_storage(s3_server, settings):
    env = {
        "MOTCUA_STORAGE": "s3",
        "MOTCUA_S3_BUCKET": BUCKET,
        "MOTCUA_S3_ENDPOINT_URL": s3_server,
        "MOTCUA_S3_REGION": "ap-southeast-1",
        "MOTCUA_S3_ACCESS_KEY_ID": "testing",
        "MOTCUA_S3_SECRET_ACCESS_KEY": "testing",
        "MOTCUA_S3_PREFIX": "motcua",
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name=env["MOTCUA_S3_REGION"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": env["MOTCUA_S3_REGION"]})
    chosen = storage_config(env)
    configured = settings.STORAGES["default"]
    if "backend" in configured.get("OPTIONS", {}):  # the encrypting wrapper around the chosen storage
        chosen = {**configured, "OPTIONS": {**configured["OPTIONS"], "backend": chosen["BACKEND"],
                                            "options": chosen["OPTIONS"]}}  # fmt: skip
    settings.STORAGES = {**settings.STORAGES, "default": chosen}
    return s3


def test_the_storage_choice_is_local_by_default_and_s3_needs_a_bucket():
    assert storage_config({})["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    with pytest.raises(RuntimeError, match="MOTCUA_S3_BUCKET"):
        storage_config({"MOTCUA_STORAGE": "s3"})
    with pytest.raises(RuntimeError):
        storage_config({"MOTCUA_STORAGE": "ftp"})


@pytest.mark.django_db
def test_an_uploaded_paper_goes_to_the_bucket_over_http_and_comes_back_byte_identical(
    client, forms, people, s3_storage
):
    pdf = minimal_pdf()
    sign_in(client, people["adult"])
    draft = start(client, "1.004222")
    url = _to_papers(client, draft, people["widow"])
    upload = SimpleUploadedFile("hop-dong.pdf", pdf, "application/pdf")
    assert client.post(url, {"giay_to_cho_o": upload})["Location"].endswith("/kiem-tra/")
    assert client.post(reverse("eforms:check", args=[draft.pk])).status_code == 302
    dossier = Dossier.objects.get(submission_key=str(draft.submission_key))
    document = dossier.documents.get(name__startswith="Giấy tờ chứng minh chỗ ở")
    # In the bucket, under the prefix: the draft's upload and the dossier's document.
    keys = {o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert f"motcua/{document.file.name}" in keys
    assert any(k.startswith(f"motcua/eforms/{draft.pk}/") for k in keys)
    # Read back through the storage (a new connection to the server): the same bytes.
    document.refresh_from_db()
    with document.file.open("rb") as handle:
        assert handle.read() == pdf
    stored = s3_storage.get_object(Bucket=BUCKET, Key=f"motcua/{document.file.name}")["Body"].read()
    assert len(stored) >= len(pdf)  # the object itself (as is, or sealed by an encrypting wrapper)
