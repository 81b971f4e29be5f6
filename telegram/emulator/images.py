"""An image's size from its header, and the scaled copies Telegram makes of a photo.

`image_size(content)` reads the width and height a PNG, JPEG, GIF or WebP file declares, or None when
the bytes are none of these (Telegram refuses such a photo). Only headers are read: the project has no
imaging library, and the size is all the emulator needs.

`scaled_sizes(width, height)` are the PhotoSizes Telegram sends for a photo of that size, smallest first:
one copy scaled into each of its boxes (90, 320, 800, 1280 and 2560 pixels on the longer side) that the
photo exceeds, then the photo itself (scaled into 2560 if larger), as the Bot API shows them: a 1280×960
upload comes back as 90×67, 320×240, 800×600 and 1280×960.
"""

import struct

BOXES = (90, 320, 800, 1280, 2560)
_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG's start-of-frame markers (C0–CF but C4 DHT, C8 JPG and CC DAC), which carry the frame's size.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def image_size(content: bytes) -> tuple[int, int] | None:
    if content.startswith(_PNG) and content[12:16] == b"IHDR" and len(content) >= 24:
        return _positive(*struct.unpack(">II", content[16:24]))
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        return _positive(*struct.unpack("<HH", content[6:10]))
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return _webp_size(content)
    if content.startswith(b"\xff\xd8"):
        return _jpeg_size(content)
    return None


def _positive(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None


def _webp_size(content: bytes) -> tuple[int, int] | None:
    kind = content[12:16]
    if kind == b"VP8 " and len(content) >= 30:
        width, height = struct.unpack("<HH", content[26:30])
        return _positive(width & 0x3FFF, height & 0x3FFF)
    if kind == b"VP8L" and len(content) >= 25:
        bits = int.from_bytes(content[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8X" and len(content) >= 30:
        return int.from_bytes(content[24:27], "little") + 1, int.from_bytes(content[27:30], "little") + 1
    return None


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    """Walk the JPEG's segments to its frame header."""
    i = 2
    while i + 4 <= len(content):
        if content[i] != 0xFF:
            return None
        marker = content[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            i += 2
            continue
        if marker in _SOF and i + 9 <= len(content):
            height, width = struct.unpack(">HH", content[i + 5 : i + 9])
            return _positive(width, height)
        i += 2 + int.from_bytes(content[i + 2 : i + 4], "big")
    return None


def scaled_sizes(width: int, height: int) -> list[tuple[int, int]]:
    sizes = [_fit(width, height, box) for box in BOXES if max(width, height) > box]
    if max(width, height) <= BOXES[-1]:
        sizes.append((width, height))
    return sizes


def _fit(width: int, height: int, box: int) -> tuple[int, int]:
    scale = box / max(width, height)
    return max(1, int(width * scale)), max(1, int(height * scale))
