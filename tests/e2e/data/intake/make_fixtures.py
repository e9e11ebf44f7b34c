#!/usr/bin/env python3
"""Writes the DRP and OpenDSR documents tests/e2e/test_intake.sh reads.

Run by hand when a document must change (needs python3-cryptography); the
files it writes are committed, so the tests need no Python crypto. Keys come
from fixed seeds: these are test keys, never used anywhere else.
Documents follow the Data Rights Protocol 1.0 (request fields, section 2.01;
signing: an Ed25519 signature prepended to the JSON, base64) and OpenDSR
(section 7.1.1). The e2e test runs with DSR_TODAY=2026-02-02.
"""
import base64
import json
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

agent = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
other = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


def pub_hex(k):
    return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def signed(doc, key=agent):
    msg = json.dumps(doc, indent=2).encode()
    return base64.b64encode(key.sign(msg) + msg).decode() + "\n"


def drp(**over):
    d = {
        "agent-id": "consumer-agent",
        "business-id": "acme",
        "issued-at": "2026-02-01T09:00:00Z",
        "expires-at": "2026-02-03T00:00:00+00:00",
        "agent-request-id": "ar-1001",
        "drp.version": "1.0",
        "exercise": "access",
        "regime": "ccpa",
        "relationships": ["customer"],
        "status_callback": "https://agent.example/drp/status",
        "name": "Dana Diaz",
        "email": "dana@example.com",
        "email_verified": True,
    }
    for k, v in over.items():
        k = k.replace("_", "-") if k in ("agent_request_id", "expires_at", "business_id") else k
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return d


files = {
    "agent.pub": pub_hex(agent) + "\n",
    "other.pub": base64.b64encode(bytes.fromhex(pub_hex(other))).decode() + "\n",
    "drp-access.b64": signed(drp()),
    "drp-deletion.json": json.dumps(drp(exercise="deletion", agent_request_id="ar-1002", email=None, name=None,
                                        phone_number="+14155550123"), indent=2) + "\n",
    "drp-opt-out.b64": signed(drp(exercise="sale:opt-out", agent_request_id="ar-1003")),
    "drp-expired.b64": signed(drp(agent_request_id="ar-1004", expires_at="2026-02-01T10:00:00Z")),
    "drp-unknown-right.b64": signed(drp(agent_request_id="ar-1005", exercise="sale:sell-more")),
    "drp-no-identity.b64": signed(drp(agent_request_id="ar-1006", email=None, name=None)),
    "drp-other-business.b64": signed(drp(agent_request_id="ar-1007", business_id="globex")),
    "drp-voluntary.b64": signed(drp(agent_request_id="ar-1008", regime=None)),
}
raw = base64.b64decode(files["drp-access.b64"])
tampered = raw.replace(b"dana@example.com", b"eve@example.com!")
files["drp-tampered.b64"] = base64.b64encode(tampered).decode() + "\n"


def opendsr(**over):
    d = {
        "subject_request_id": "a7551968-d5d6-44b2-9831-815ac9017798",
        "subject_request_type": "erasure",
        "regulation": "gdpr",
        "submitted_time": "2026-01-30T15:00:00+01:00",
        "subject_identities": [
            {"identity_type": "email", "identity_value": "erin@example.com", "identity_format": "raw"},
            {"identity_type": "android_advertising_id",
             "identity_value": "e1f1a2f1b1c94a1bb9f2c0c6f8f2d7a1e3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8",
             "identity_format": "sha256"},
        ],
        "api_version": "1.0",
        "status_callback_urls": ["https://controller.example/opendsr/callbacks"],
        "extensions": {"processor.example": {"property_id": "123456"}},
    }
    for k, v in over.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return json.dumps(d, indent=2) + "\n"


files["opendsr-erasure.json"] = opendsr()
files["opendsr-hashed-only.json"] = opendsr(
    subject_request_id="b7551968-d5d6-44b2-9831-815ac9017798",
    subject_identities=[{"identity_type": "email", "identity_format": "sha256",
                         "identity_value": "0c7e6a405862e402eb76a70f8a26fc732d07c32931e9fae9ab1582911d2e8a3b"}])
files["opendsr-no-identities.json"] = opendsr(subject_request_id="c7551968-d5d6-44b2-9831-815ac9017798",
                                              subject_identities=None)
files["opendsr-rectification.json"] = opendsr(subject_request_id="d7551968-d5d6-44b2-9831-815ac9017798",
                                              subject_request_type="rectification")
files["opendsr-bad-uuid.json"] = opendsr(subject_request_id="not-a-uuid")

for name, text in files.items():
    with open(name, "w") as f:
        f.write(text)
