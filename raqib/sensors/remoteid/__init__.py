"""Drone Remote ID (ASTM F3411 / ASD-STAN EN 4709-002, Open Drone ID) broadcast receiver.

frames ─► transports (Wi-Fi beacon, NAN, BLE) ─► messages (25-byte decoders) ─► assembler
datagrams ─────────────────────────────────────►         (per transmitter)  ─► Detection
                                                                            ─► SpoofingEvidence
"""

from raqib.sensors.remoteid.assembler import AssemblerConfig, RemoteIdAssembler, RemoteIdFix, anchor_to_hour
from raqib.sensors.remoteid.decoder import (
    CaptureReading,
    InvalidFieldError,
    RemoteIdDecoder,
    RemoteIdFrameDecoder,
    iter_capture,
    read_capture,
)
from raqib.sensors.remoteid.evidence import EvidenceConfig, SpoofingEvidence
from raqib.sensors.remoteid.messages import (
    AuthenticationPage,
    BasicId,
    Location,
    Message,
    MessageError,
    MessagePack,
    OperatorId,
    SelfId,
    System,
    decode,
    decode_message,
)
from raqib.sensors.remoteid.transports import FrameContents, Payload, TransportError, find_payloads

__all__ = [
    "AssemblerConfig",
    "AuthenticationPage",
    "BasicId",
    "CaptureReading",
    "EvidenceConfig",
    "FrameContents",
    "InvalidFieldError",
    "Location",
    "Message",
    "MessageError",
    "MessagePack",
    "OperatorId",
    "Payload",
    "RemoteIdAssembler",
    "RemoteIdDecoder",
    "RemoteIdFix",
    "RemoteIdFrameDecoder",
    "SelfId",
    "SpoofingEvidence",
    "System",
    "TransportError",
    "anchor_to_hour",
    "decode",
    "decode_message",
    "find_payloads",
    "iter_capture",
    "read_capture",
]
