"""Files in QuickBooks: an invoice's PDF as QuickBooks renders it (GET invoice/{id}/pdf) and an attachment uploaded
and linked in one multipart request (POST upload: a `file_metadata_0` JSON part with the Attachable's
AttachableRef, FileName and ContentType, and a `file_content_0` part with the bytes; the answer is
{"AttachableResponse": [{"Attachable": {...}}]}), as Intuit's attachments guide gives them ("Uploading and linking
new attachments", developer.intuit.com, accounting/attachments; Attachable API reference)."""

from __future__ import annotations

import json

from urllib3 import encode_multipart_formdata

from adapters.quickbooks.client import QuickBooksClient
from adapters.quickbooks.errors import QuickBooksError


def invoice_pdf(client: QuickBooksClient, invoice_id: str) -> bytes:
    return client.request("GET", f"invoice/{invoice_id}/pdf", accept="application/pdf", where=f"PDF of Invoice {invoice_id}")


def upload(client: QuickBooksClient, name: str, content_type: str, data: bytes, refs: list[dict], note: str, *,
           requestid: str) -> dict:
    """The Attachable made; QuickBooks takes PDF, images and office files, not archives (hence no zip here)."""
    meta = {"AttachableRef": refs, "FileName": name, "ContentType": content_type, "Note": note}
    body, multipart = encode_multipart_formdata([
        ("file_metadata_0", ("metadata.json", json.dumps(meta).encode("utf-8"), "application/json")),
        ("file_content_0", (name, data, content_type))])
    answer = client.request("POST", "upload", body=body, content_type=multipart, requestid=requestid,
                            where=f"upload {name}")
    made = [r.get("Attachable") for r in answer.get("AttachableResponse") or [] if r.get("Attachable")]
    if not made:
        raise QuickBooksError(f"upload {name}: QuickBooks answered without the Attachable it made", where="upload")
    return made[0]
