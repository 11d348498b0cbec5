"""Hypothesis strategies that break a valid DICOM Part 10 instance in the ways a hostile or
broken sender would: truncation, flipped bytes, wrong VRs, wrong and huge lengths, bad or
mismatched transfer syntax UIDs, missing file meta, nested sequence bombs.

An instance is built as preamble + "DICM" + file meta (group 0002, explicit VR little
endian, PS3.10 7.1) + the dataset's bytes (explicit VR little endian), so each part can be
broken on its own."""

import copy
import io
import re
import struct
from dataclasses import dataclass

from hypothesis import note
from hypothesis import strategies as st
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    RLELossless,
)

# PS3.5 7.1.2: these VRs have a 2-byte reserved field and a 4-byte length.
LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR",
            b"UT", b"UV"}  # fmt: skip
ALL_VRS = sorted(LONG_VRS | {b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FD", b"FL",
                             b"IS", b"LO", b"LT", b"PN", b"SH", b"SL", b"SS", b"ST", b"TM",
                             b"UI", b"UL", b"US"})  # fmt: skip
# What C-STORE proposes: each can be declared for a body encoded in another one.
PROPOSED_SYNTAXES = (ExplicitVRLittleEndian, ImplicitVRLittleEndian, ExplicitVRBigEndian,
                     DeflatedExplicitVRLittleEndian, RLELossless, JPEG2000Lossless,
                     JPEGBaseline8Bit)  # fmt: skip
BAD_SYNTAXES = ("1.2.840.10008.1.2.4.999", "9.9.9", "", "1.2.840.10008.1.2.1\x00\x00",
                "not-a-uid", "1" * 80)  # fmt: skip
ITEM = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
ITEM_END = struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
SEQUENCE_END = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
# (0040,A730) Content Sequence, SQ of undefined length.
SEQUENCE = struct.pack("<HH", 0x0040, 0xA730) + b"SQ\x00\x00" + b"\xff\xff\xff\xff"


@dataclass(frozen=True)
class Instance:
    """One instance to send: its file meta fields and its dataset's bytes."""

    body: bytes
    transfer_syntax: str
    sop_class: str
    sop_instance: str
    # The SOP Instance UID written into the dataset before it was broken.
    dataset_uid: str = ""
    with_meta: bool = True
    # Nothing was broken: the instance is valid as it stands.
    intact: bool = False

    def part10(self) -> bytes:
        """Written by hand: pydicom refuses to write a bad transfer syntax UID."""
        if not self.with_meta:
            return self.body
        elements = _element(0x0001, b"OB", b"\x00\x01")
        elements += _element(0x0002, b"UI", self.sop_class.encode("latin-1"))
        elements += _element(0x0003, b"UI", self.sop_instance.encode("latin-1"))
        elements += _element(0x0010, b"UI", self.transfer_syntax.encode("latin-1"))
        elements += _element(0x0012, b"UI", PYDICOM_IMPLEMENTATION_UID.encode())
        length = _element(0x0000, b"UL", struct.pack("<I", len(elements)))
        return b"\x00" * 128 + b"DICM" + length + elements + self.body


def _element(number: int, vr: bytes, value: bytes) -> bytes:
    """A group 0002 element, explicit VR little endian (PS3.10 7.1)."""
    value += b"\x00" * (len(value) % 2)
    if vr in LONG_VRS:
        return (
            struct.pack("<HH", 2, number) + vr + b"\x00\x00" + struct.pack("<I", len(value)) + value
        )
    return struct.pack("<HH", 2, number) + vr + struct.pack("<H", len(value)) + value


def explicit_little_body(dataset: Dataset) -> bytes:
    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, False
    write_dataset(buffer, dataset)
    return buffer.getvalue()


def element_offsets(body: bytes) -> list[int]:
    """Offsets of the top-level element headers of an explicit VR little endian dataset."""
    offsets, at = [], 0
    while at + 8 <= len(body):
        offsets.append(at)
        vr = body[at + 4 : at + 6]
        if vr in LONG_VRS:
            (length,) = struct.unpack_from("<I", body, at + 8)
            at += 12 + (0 if length == 0xFFFFFFFF else length)
        else:
            (length,) = struct.unpack_from("<H", body, at + 6)
            at += 8 + length
    return offsets


@st.composite
def _flips(draw: st.DrawFn, body: bytes) -> bytes:
    data = bytearray(body)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] ^= draw(st.integers(1, 255))
    return bytes(data)


@st.composite
def _wrong_vr(draw: st.DrawFn, body: bytes, offsets: list[int]) -> bytes:
    at = draw(st.sampled_from(offsets))
    vr = draw(st.sampled_from(ALL_VRS) | st.binary(min_size=2, max_size=2))
    return body[: at + 4] + vr + body[at + 6 :]


@st.composite
def _wrong_length(draw: st.DrawFn, body: bytes, offsets: list[int]) -> bytes:
    at = draw(st.sampled_from(offsets))
    huge = st.sampled_from([0xFFFFFFFF, 0xFFFFFFFE, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0])
    if body[at + 4 : at + 6] in LONG_VRS:
        value = struct.pack("<I", draw(huge | st.integers(0, 0xFFFFFFFF)))
        return body[: at + 8] + value + body[at + 12 :]
    value = struct.pack("<H", draw(st.integers(0, 0xFFFF)))
    return body[: at + 6] + value + body[at + 8 :]


@st.composite
def _sequence_bomb(draw: st.DrawFn, body: bytes, offsets: list[int]) -> bytes:
    """Deeply nested or very wide sequences of undefined length, before the pixel data."""
    depth = draw(st.integers(1, 3000))
    width = draw(st.integers(1, 3000)) if depth < 10 else 1
    closed = draw(st.booleans())
    inner = b""
    for _ in range(depth):
        inner = SEQUENCE + (ITEM + inner + (ITEM_END if closed else b"")) * width
        inner += SEQUENCE_END if closed else b""
        width = 1
    pixels = next((o for o in offsets if body[o : o + 4] == b"\xe0\x7f\x10\x00"), len(body))
    return body[:pixels] + inner + body[pixels:]


@st.composite
def mutated(draw: st.DrawFn, template: Dataset) -> Instance:
    """`template` as a new instance (explicit VR little endian), broken one or more ways."""
    dataset = copy.deepcopy(template)
    dataset.SOPInstanceUID = f"2.25.{draw(st.integers(1, 2**120))}"
    body = original = explicit_little_body(dataset)
    offsets = element_offsets(body)
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["truncate", "flip", "vr", "length", "bomb", "none"]))
        if how == "truncate":
            body = body[: draw(st.integers(0, max(len(body) - 1, 0)))]
        elif how == "flip" and body:
            body = draw(_flips(body))
        elif how == "vr" and offsets:
            body = draw(_wrong_vr(body, offsets))
        elif how == "length" and offsets:
            body = draw(_wrong_length(body, offsets))
        elif how == "bomb":
            body = draw(_sequence_bomb(body, offsets))
        offsets = [o for o in offsets if o + 8 <= len(body)]
    syntax = draw(
        st.just(ExplicitVRLittleEndian)
        | st.sampled_from(PROPOSED_SYNTAXES)
        | st.sampled_from(BAD_SYNTAXES)
    )
    sop_instance = draw(st.just(str(dataset.SOPInstanceUID)) | st.sampled_from(BAD_SYNTAXES))
    with_meta = draw(st.booleans())
    intact = (body, syntax, sop_instance, with_meta) == (
        original,
        ExplicitVRLittleEndian,
        dataset.SOPInstanceUID,
        True,
    )
    sop_class = str(dataset.SOPClassUID)
    return Instance(
        body,
        syntax,
        sop_class,
        sop_instance,
        dataset_uid=str(dataset.SOPInstanceUID),
        with_meta=with_meta,
        intact=intact,
    )


def fully_readable(part10: bytes) -> Dataset | None:
    """The dataset if it is still a valid instance as a PACS sees it, else None: pydicom
    reads its whole structure (every element and sequence item, nothing deferred) and its
    identifying UIDs are valid. Values that do not match their VR (an unknown VR code, a
    length that is no multiple of the value size) are stored, not interpreted, as
    PS3.5 6.2.2 asks of a receiver for VRs it does not know, and are not checked."""
    try:
        dataset = dcmread(io.BytesIO(part10))
        _walk(dataset)
        for keyword in ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"):
            uid = str(dataset[keyword].value)
            if len(uid) > 64 or not UID.fullmatch(uid):
                raise ValueError(f"invalid {keyword}")
    except Exception as error:  # pydicom raises many types on malformed input
        note(f"not readable: {type(error).__name__}: {str(error)[:300]}")
        return None
    return dataset


def _walk(dataset: Dataset) -> None:
    for tag in list(dataset.keys()):
        if dataset.get_item(tag).VR != "SQ":
            continue
        for item in dataset[tag].value:
            _walk(item)


# PS3.5 9.1
UID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*")


def dataset_body(part10: bytes) -> bytes:
    """The bytes after the file meta (PS3.10 7.1: its group length is the first element)."""
    if part10[128:132] != b"DICM":
        return part10
    (group_length,) = struct.unpack_from("<I", part10, 140)
    return part10[144 + group_length :]
