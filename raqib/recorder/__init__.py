"""The recorder: the JSON Lines recording contract (``contract``) and, beside it, stores and replay."""

from raqib.recorder.contract import (
    ContractError,
    Record,
    RecordingWriter,
    encode_line,
    from_contract_dict,
    parse_line,
    read_recording,
    to_contract_dict,
    write_recording,
)

__all__ = [
    "ContractError",
    "Record",
    "RecordingWriter",
    "encode_line",
    "from_contract_dict",
    "parse_line",
    "read_recording",
    "to_contract_dict",
    "write_recording",
]
