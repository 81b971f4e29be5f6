"""Photos the size their header says: PNG, JPEG, GIF and WebP headers, Telegram's scaled copies, and the
refusal of bytes that are no image."""

import struct

import pytest

from telegram.emulator import EmulatedUser, Emulator
from telegram.emulator.images import image_size, scaled_sizes
from tests.support.images import jpeg_header, png

from .conftest import TOKEN


def _gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00;"


def _webp_lossless(width: int, height: int) -> bytes:
    bits = (width - 1) | (height - 1) << 14
    chunk = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + bits.to_bytes(4, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def _webp_extended(width: int, height: int) -> bytes:
    chunk = b"VP8X" + struct.pack("<I", 10) + b"\x00" * 4 + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


@pytest.mark.parametrize(
    ("content", "size"),
    [
        (png(3, 2), (3, 2)),
        (jpeg_header(1280, 960), (1280, 960)),
        (_gif(48, 32), (48, 32)),
        (_webp_lossless(300, 200), (300, 200)),
        (_webp_extended(4000, 3000), (4000, 3000)),
        (b"\xff\xd8\xff\xe0 not really", None),
        (b"%PDF-1.7", None),
    ],
    ids=["png", "jpeg", "gif", "webp lossless", "webp extended", "broken jpeg", "pdf"],
)
def test_image_size_from_the_header(content: bytes, size: tuple[int, int] | None) -> None:
    assert image_size(content) == size


def test_telegram_scales_a_photo_into_its_boxes() -> None:
    assert scaled_sizes(1280, 960) == [(90, 67), (320, 240), (800, 600), (1280, 960)]
    assert scaled_sizes(37, 21) == [(37, 21)]
    assert scaled_sizes(600, 4000)[-1] == (384, 2560)


async def test_an_uploaded_photo_comes_in_its_sizes_and_whole_again_by_file_id(emu: Emulator, client, ann: EmulatedUser) -> None:
    r = await client.post(f"/bot{TOKEN}/sendPhoto", data={"chat_id": "1001"}, files={"photo": ("p.png", png(400, 300))})
    sizes = r.json()["result"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(90, 67), (320, 240), (400, 300)]
    # Sent again by the file_id of any of its sizes: the whole photo, as Telegram sends it.
    for size in (sizes[-1], sizes[0]):
        again = await client.post(f"/bot{TOKEN}/sendPhoto", json={"chat_id": 1001, "photo": size["file_id"]})
        assert again.json()["result"]["photo"] == sizes


async def test_bytes_that_are_no_image_are_refused(emu: Emulator, client, ann: EmulatedUser) -> None:
    r = await client.post(f"/bot{TOKEN}/sendPhoto", data={"chat_id": "1001"}, files={"photo": ("p.jpg", b"not a picture")})
    assert (r.status_code, r.json()["description"]) == (400, "Bad Request: IMAGE_PROCESS_FAILED")


async def test_a_users_real_photo_comes_in_its_own_sizes(emu: Emulator, ann: EmulatedUser) -> None:
    sent = await ann.send_photo(png(1000, 500))
    assert [(s["width"], s["height"]) for s in sent["photo"]] == [(90, 45), (320, 160), (800, 400), (1000, 500)]
