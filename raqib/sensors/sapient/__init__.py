"""SAPIENT (BSI Flex 335 v2.0): raqib as the DMM that counter-drone sensor nodes report to.

    bytes ─► framing ─► messages (protobuf) ─► validate ─► session ─► node ─► Detection, NodeStatus
                                                               └──► RegistrationAck, Error (answers)

``SapientServer`` listens for nodes over TCP; ``SapientDecoder`` (format "sapient") reads the
same framed bytes from files and streams. The protobuf classes are generated from the vendored
protos by ``python -m raqib.sensors.sapient.build`` (or on first use; see ``messages.py``).
The names below are imported on first use, so that the build command runs before them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from raqib.sensors.sapient.config import SapientConfig
    from raqib.sensors.sapient.decoder import SapientDecoder
    from raqib.sensors.sapient.errors import DataWarning, MessageError
    from raqib.sensors.sapient.framing import FrameReader, encode_frame
    from raqib.sensors.sapient.node import NodeRegistry, NodeStatus
    from raqib.sensors.sapient.server import SapientServer
    from raqib.sensors.sapient.session import SapientSession, SessionOutput

_EXPORTS = {
    "DataWarning": "errors",
    "FrameReader": "framing",
    "MessageError": "errors",
    "NodeRegistry": "node",
    "NodeStatus": "node",
    "SapientConfig": "config",
    "SapientDecoder": "decoder",
    "SapientServer": "server",
    "SapientSession": "session",
    "SessionOutput": "session",
    "encode_frame": "framing",
}

__all__ = [
    "DataWarning",
    "FrameReader",
    "MessageError",
    "NodeRegistry",
    "NodeStatus",
    "SapientConfig",
    "SapientDecoder",
    "SapientServer",
    "SapientSession",
    "SessionOutput",
    "encode_frame",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
