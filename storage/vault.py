"""Secrets sealed at rest: AES-256-GCM for what buyers get, an HMAC fingerprint to find duplicate units.

Sealed are stock units' contents, unlimited items' contents (and purchases' snapshots of them) and file
items' files. A text is stored as `v1.` + base64url(nonce ‖ ciphertext ‖ tag), a file as nonce ‖
ciphertext ‖ tag; a copy of the database, a backup or a dump shows no key or file. A unit's
fingerprint (HMAC-SHA256 of its content) has its own indexed column, so a stock import skips the lines
an item already has without opening a single unit. Both keys are
derived (HKDF-SHA256) from the one stock key of the configuration: `storage.stock_key`, or else the key
file (`storage.stock_key_file`; by default beside a SQLite database), created on first start.

The database remembers a check value of its key (the `settings` row STOCK_KEY_CHECK): a process started
with another key refuses to start (StockKeyError) instead of stocking units no other process can
open. What was stored in clear before sealing existed is sealed by the first process that opens the
database with its key; the `settings` row CLEAR_DATA_SEALED says it is done, so later starts do not
look again.

Use cases reach the vault of their store through a context variable, set for each crossing like
Tortoise's own context (storage.bridge).
"""

import base64
import binascii
import hashlib
import hmac
import os
from contextvars import ContextVar
from typing import cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from storage.config import StorageSettings, stock_key_path
from storage.errors import SealBroken, StockKeyError
from storage.models import Item, Purchase, Setting, StockUnit

KEY_BYTES = 32
PREFIX = "v1."
NONCE_BYTES = 12
STOCK_KEY_CHECK = "stock_key_check"
CLEAR_DATA_SEALED = "clear_data_sealed"
SEAL_BATCH = 500

current_vault: ContextVar["Vault"] = ContextVar("current_vault")


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(key)


class Vault:
    """Seals and opens unit contents and fingerprints them, all with keys derived from one stock key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"a stock key is {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(_derive(key, b"shopkeeper stock content"))
        self._mac_key = _derive(key, b"shopkeeper stock fingerprint")
        self.check_value = hmac.new(_derive(key, b"shopkeeper stock key check"), b"check", hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "<Vault>"

    def seal_bytes(self, data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data, None)

    def open_bytes(self, sealed: bytes) -> bytes:
        """What `seal_bytes` sealed; SealBroken when it was sealed with another key or altered."""
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], None)
        except (InvalidTag, ValueError) as error:
            raise SealBroken("a sealed secret cannot be opened with this stock key") from error

    def seal(self, content: str) -> str:
        return PREFIX + base64.urlsafe_b64encode(self.seal_bytes(content.encode())).decode()

    def open(self, stored: str) -> str:
        """What `seal` sealed; SealBroken when it was sealed with another key or altered."""
        try:
            raw = base64.urlsafe_b64decode(stored.removeprefix(PREFIX))
        except (binascii.Error, ValueError) as error:
            raise SealBroken("a sealed secret is not in the sealed form") from error
        return self.open_bytes(raw).decode()

    def fingerprint(self, content: str) -> str:
        return hmac.new(self._mac_key, content.encode(), hashlib.sha256).hexdigest()

    def unit(self, item_id: int, content: str) -> StockUnit:
        """A new, unsaved unit of `item_id` holding `content` sealed."""
        return StockUnit(item_id=item_id, content=self.seal(content), fingerprint=self.fingerprint(content))


def vault() -> Vault:
    return current_vault.get()


def parse_stock_key(text: str) -> bytes:
    """The 32 bytes of a base64 (standard or URL-safe, padded or not) stock key; ValueError otherwise."""
    text = text.strip().replace("-", "+").replace("_", "/").rstrip("=")
    try:
        key = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error as error:
        raise ValueError("a stock key is 32 bytes in base64, e.g. the output of `openssl rand -base64 32`") from error
    if len(key) != KEY_BYTES:
        raise ValueError(f"a stock key is {KEY_BYTES} bytes in base64, this one is {len(key)} bytes")
    return key


def key_source(settings: StorageSettings) -> str:
    """Where this process takes its stock key from, for messages (never the key itself)."""
    if settings.stock_key:
        return "storage.stock_key"
    return f"the key file {stock_key_path(settings).resolve()}"


def load_key(settings: StorageSettings) -> bytes:
    """The configured key, else the key file's, else a new key written to the key file (owner-only)."""
    if settings.stock_key:
        return parse_stock_key(settings.stock_key)
    path = stock_key_path(settings)
    try:
        return parse_stock_key(path.read_text())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = os.urandom(KEY_BYTES)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first: use theirs
        return parse_stock_key(path.read_text())
    with os.fdopen(descriptor, "w") as file:
        file.write(base64.b64encode(key).decode() + "\n")
    return key


async def bind_vault() -> None:
    """Check that the database's stock is sealed with this key (the first process to open the database
    with sealing remembers its key), then seal what was stored in clear before sealing existed. Raises
    StockKeyError, having changed nothing, when the database was bound to another key."""
    sealer = vault()
    stored = await Setting.get_or_none(key=STOCK_KEY_CHECK)
    if stored is None:
        try:
            stored = await Setting.create(key=STOCK_KEY_CHECK, value=sealer.check_value)
        except IntegrityError:  # another process bound its key meanwhile
            stored = await Setting.get(key=STOCK_KEY_CHECK)
    if not hmac.compare_digest(stored.value, sealer.check_value):
        raise StockKeyError(
            "the stock key is not the one this database's stock is sealed with: set storage.stock_key"
            " (or storage.stock_key_file) to that key; this process used"
        )
    if await Setting.exists(key=CLEAR_DATA_SEALED):
        return
    await _seal_units(sealer)
    await _seal_contents(sealer)


async def _seal_units(sealer: Vault) -> None:
    """Seal the units a version before sealing stored in clear (those without a fingerprint), a batch
    per transaction; each update is conditional, so processes starting together never seal one twice."""
    while True:
        async with in_transaction() as conn:
            legacy = await StockUnit.filter(fingerprint=None).using_db(conn).limit(SEAL_BATCH).only("id", "content")
            for unit in legacy:
                await (
                    StockUnit.filter(id=unit.id, fingerprint=None)
                    .using_db(conn)
                    .update(content=sealer.seal(unit.content), fingerprint=sealer.fingerprint(unit.content))
                )
        if len(legacy) < SEAL_BATCH:
            return


async def _seal_contents(sealer: Vault) -> None:
    """Seal the rest of what a version before sealing stored in clear: unlimited items' contents, file
    items' files and purchases' snapshots of contents. One transaction, whose first statement writes
    CLEAR_DATA_SEALED, so of processes starting together one seals and the others find it done (or wait
    for it)."""
    try:
        async with in_transaction() as conn:
            await Setting.create(key=CLEAR_DATA_SEALED, value="done", using_db=conn)
            for item_id, content in await Item.filter(content__not="").using_db(conn).values_list("id", "content"):
                await Item.filter(id=item_id).using_db(conn).update(content=sealer.seal(content))
            # A file at a time: files may be large.
            for item_id in await Item.filter(file_data__not_isnull=True).using_db(conn).values_list("id", flat=True):
                data = await Item.filter(id=item_id).using_db(conn).get().values_list("file_data", flat=True)
                await Item.filter(id=item_id).using_db(conn).update(file_data=sealer.seal_bytes(bytes(data)))
            # Many purchases share one content (an item's buyers): each distinct one is sealed once.
            snapshots = cast(
                list[str],
                await Purchase.filter(content__not_isnull=True).using_db(conn).distinct().values_list("content", flat=True),
            )
            for content in snapshots:
                await Purchase.filter(content=content).using_db(conn).update(content=sealer.seal(content))
    except IntegrityError:
        return  # another process sealed them
