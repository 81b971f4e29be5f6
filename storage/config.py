"""The `[storage]` configuration section and the Tortoise configuration derived from it."""

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import msgspec
from msgspec import Meta

APP = "shop"
MASK = "****"


def hidden(_value: str) -> str:
    """A secret shown as nothing but ****."""
    return MASK


def mask_url(url: str) -> str:
    """`url` with its password, if it has one, as ****: postgres://shop:****@db:5432/shop."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
    except ValueError:
        return MASK  # not a URL one can take apart: none of it is shown
    userinfo, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{userinfo.partition(':')[0]}:{MASK}@{host}"))


class ConfigSection(msgspec.Struct, frozen=True):
    """A configuration section whose secrets never show: its repr (so its str, a log line, a traceback,
    the repr of the settings holding it) and its rich repr give each field in `secrets` through its
    mask. Subclasses name their secret fields: `secrets = {"token": hidden}`."""

    secrets: ClassVar[Mapping[str, Callable[[str], str]]] = {}

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return [(name, self._shown(name, getattr(self, name))) for name in self.__struct_fields__]

    def _shown(self, name: str, value: Any) -> Any:
        return self.secrets[name](value) if name in self.secrets and value else value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{name}={value!r}' for name, value in self.__rich_repr__())})"

    def secret_values(self) -> list[str]:
        """The secrets this section holds, each as it would appear in a text (of a URL, its password
        alone), for redacting what is kept of the logs. A value its mask shows whole is no secret."""
        found = []
        for name, mask in self.secrets.items():
            value = getattr(self, name)
            if not value or mask(value) == value:
                continue
            try:
                password = urlsplit(value).password
            except ValueError:
                password = None
            found.append(password or value)
        return found


class StorageSettings(ConfigSection, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the shop keeps its data.

    `database_url` is `sqlite://path/shop.db` (relative to the working directory) or
    `postgres://user:password@host:port/dbname`. `redis_url` empty keeps the key-value store in process.
    Secrets (masked in its repr): the passwords in both URLs, `database_password` and `stock_key`.
    """

    secrets = {"database_url": mask_url, "database_password": hidden, "redis_url": mask_url, "stock_key": hidden}

    database_url: str = "sqlite://data/shop.db"
    # The PostgreSQL password, when it is not written into database_url (e.g. read from a secret file
    # with SHOPKEEPER_STORAGE_DATABASE_PASSWORD_FILE); it wins over the URL's.
    database_password: str = ""
    redis_url: str = ""
    # asyncpg pool bounds (PostgreSQL only). Migrating holds one connection for its lock and works on
    # another, so the pool needs two.
    pool_min: Annotated[int, Meta(ge=1)] = 1
    pool_max: Annotated[int, Meta(ge=2)] = 10
    # How long a SQLite writer waits for another process's write lock, in milliseconds.
    sqlite_busy_timeout_ms: int = 5000
    # How long buyers' catalog screens are answered from memory (storage.catalog_cache); 0 turns it off.
    catalog_cache_seconds: Annotated[float, Meta(ge=0, le=3600)] = 2.0
    # The key stock units are sealed with (storage.vault): 32 bytes in base64. Empty: the key in
    # `stock_key_file`, created there on first start; by default `stock.key` beside a SQLite
    # database, `data/stock.key` in the working directory with PostgreSQL.
    stock_key: str = ""
    stock_key_file: str = ""
    # How long a process holds a singleton's lease (broadcaster, reconciler, housekeeper, notifier:
    # actors.singleton) unless it renews it, seconds; it renews every third of this. When a process
    # dies, another takes its singletons over within about 4/3 of this.
    lease_seconds: Annotated[float, Meta(ge=1, le=20)] = 15.0


def backend_of(database_url: str) -> str:
    """ "sqlite" or "postgres"; anything else is a configuration error raised as ValueError."""
    scheme = urlsplit(database_url).scheme
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgres", "postgresql", "asyncpg"):
        return "postgres"
    raise ValueError(f"unsupported database scheme {scheme!r}: use sqlite:// or postgres://")


def stock_key_path(settings: StorageSettings) -> Path:
    """Where the stock key file is (see StorageSettings.stock_key_file)."""
    if settings.stock_key_file:
        return Path(settings.stock_key_file)
    if backend_of(settings.database_url) == "sqlite":
        return Path(sqlite_path(settings.database_url)).parent / "stock.key"
    return Path("data/stock.key")


def sqlite_path(database_url: str) -> str:
    return database_url.split("://", 1)[1].split("?", 1)[0]


def tortoise_config(settings: StorageSettings) -> dict[str, Any]:
    """The Tortoise config dict for these settings.

    Each backend has its own connection name: Tortoise caches INSERT SQL per connection name, so one
    process that talks to SQLite and PostgreSQL (the test suite) must not share a name between them.
    """
    backend = backend_of(settings.database_url)
    if backend == "sqlite":
        path = sqlite_path(settings.database_url)
        credentials: dict[str, Any] = {
            "file_path": path,
            "journal_mode": "WAL",
            "busy_timeout": settings.sqlite_busy_timeout_ms,
            "synchronous": "NORMAL",
            "foreign_keys": "ON",
            # ANALYZE reads at most this many rows of each index (storage.planner): milliseconds
            # whatever the table's size, with estimates as good as the planner needs.
            "analysis_limit": 400,
        }
        connection: dict[str, Any] = {"engine": "tortoise.backends.sqlite", "credentials": credentials}
    else:
        url = urlsplit(settings.database_url)
        connection = {
            "engine": "tortoise.backends.asyncpg",
            "credentials": {
                "host": url.hostname or "127.0.0.1",
                "port": url.port or 5432,
                "user": url.username or "postgres",
                "password": settings.database_password or url.password or "",
                "database": url.path.lstrip("/") or "postgres",
                "minsize": settings.pool_min,
                "maxsize": settings.pool_max,
            },
        }
    return {
        "connections": {backend: connection},
        "apps": {
            APP: {
                "models": [
                    "storage.models",
                    "storage.web_models",
                    "storage.feed_models",
                    "storage.notice_models",
                    "storage.funnel_models",
                    "storage.lease_models",
                ],
                "default_connection": backend,
                "migrations": "storage.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For Tortoise's own CLI (`tortoise makemigrations`), configured in pyproject.toml.
TORTOISE_ORM = tortoise_config(StorageSettings(database_url="sqlite://data/makemigrations.db"))
