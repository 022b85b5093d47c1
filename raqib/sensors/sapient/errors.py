"""What can go wrong on a SAPIENT feed, as DecodeErrors (feed, byte offset of the frame, why).

ValueError
└── DecodeError            raqib.sensors.base
    ├── FramingError       a length prefix of 0 or over the bound: the reader resynchronises
    ├── TruncatedError     the stream ended inside a frame
    ├── UnsupportedError   a valid message raqib cannot use (a bearing from platform north,
    │                      a Task sent to raqib, which is the DMM)
    ├── MessageError       not a SapientMessage, or one that breaks the ICD (a mandatory
    │                      field missing, a position out of range): skipped, and the node
    │                      is answered with an Error message
    └── DataWarning        a message used all the same, with a caveat (a report from a node
                           that has not registered, geoid heights taken as ellipsoidal,
                           IDs that are not UUIDs/ULIDs): reported once per node and caveat
"""

from __future__ import annotations

from raqib.sensors.base import DecodeError, FramingError, TruncatedError, UnsupportedError


class MessageError(DecodeError):
    """A frame that is not a valid SapientMessage; it is skipped."""


class DataWarning(DecodeError):
    """A message that was used despite a caveat."""


__all__ = ["DataWarning", "DecodeError", "FramingError", "MessageError", "TruncatedError", "UnsupportedError"]
