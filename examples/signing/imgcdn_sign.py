"""Signed imgcdn variant URLs (/t/SIGNATURE/OPTIONS/KEY) in Python, standard library only.

The signature is HMAC-SHA256 of "OPTIONS/KEY" (the key as stored, not percent-encoded) under the
origins' origin.signing-key, in URL-safe base64 without padding.

    IMGCDN_SIGNING_KEY=... python3 imgcdn_sign.py https://cdn.example w=240,h=240,fit=cover photos/a.jpg
"""
import base64
import hashlib
import hmac
import os
import sys
from urllib.parse import quote


def signed_url(base: str, secret: str, options: str, key: str) -> str:
    mac = hmac.new(secret.encode(), f"{options}/{key}".encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    # Percent-encode everything but unreserved characters and the slashes between segments.
    return f"{base.rstrip('/')}/t/{signature}/{options}/{quote(key, safe='/')}"


if __name__ == "__main__":
    base, options, key = sys.argv[1:4]
    print(signed_url(base, os.environ["IMGCDN_SIGNING_KEY"], options, key))
