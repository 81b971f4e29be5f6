"""The shop as the container installs it: the Dockerfile's own install commands, run in a fresh virtual
environment, then the installed `shopkeeper sandbox` answering a buyer in English and in Russian.

This is the check of the Dockerfile that this machine allows (it has no Docker engine): the commands
are read from the Dockerfile, so the test and the image install the same way.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trio

from tests.support.processes import environment, free_port

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("actors", "storage", "telegram", "webui")


def dockerfile_steps() -> tuple[list[tuple[list[str], str]], list[str]]:
    """The Dockerfile's COPY steps (sources, destination) and its `pip install` commands, in order."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    copies: list[tuple[list[str], str]] = []
    installs: list[str] = []
    for line in text.splitlines():
        words = line.split()
        if not words or words[0] not in ("COPY", "RUN"):
            continue
        if words[0] == "COPY":
            copies.append((words[1:-1], words[-1]))
            continue
        for command in line.removeprefix("RUN").split("&&"):
            if command.strip().startswith("pip install"):
                installs.append(command.strip())
    return copies, installs


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtual environment holding what the Dockerfile installs; yields its bin directory."""
    root = tmp_path_factory.mktemp("image")
    copies, installs = dockerfile_steps()
    assert installs, "the Dockerfile installs nothing with pip"
    for sources, destination in copies:
        # As Docker's COPY does: a directory's contents go to the destination, files into it ("dir/").
        target = root / destination.lstrip("/")
        for source in sources:
            path = ROOT / source
            if path.is_dir():
                shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / path.name)
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    bin_dir = root / "venv" / "bin"
    for command in installs:
        args = [str(bin_dir / "pip") if word == "pip" else re.sub(r"^/src", str(root / "src"), word) for word in shlex.split(command)]
        done = subprocess.run(args, capture_output=True, text=True, timeout=600, env=environment())
        assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    yield bin_dir


def site_packages(bin_dir: Path) -> Path:
    out = subprocess.run(
        [str(bin_dir / "python"), "-c", "import telegram, pathlib; print(pathlib.Path(telegram.__file__).parent.parent)"],
        capture_output=True, text=True, check=True, cwd=bin_dir, env=environment(),
    )
    return Path(out.stdout.strip())


def data_files() -> list[str]:
    """Every file of the shop's packages that is not Python source: what the package must carry.
    (The files git tracks: a local `make messages` template is not part of the shop.)"""
    tracked = subprocess.run(["git", "ls-files", "--", *PACKAGES], cwd=ROOT, capture_output=True, text=True, check=True)
    return sorted(name for name in tracked.stdout.splitlines() if not name.endswith(".py"))


def test_the_installed_package_carries_every_file_the_shop_reads(installed: Path) -> None:
    files = data_files()
    assert any(name.endswith(".po") for name in files)
    installed_root = site_packages(installed)
    assert installed_root != ROOT, "the fresh environment imported the source tree instead of the package"
    missing = [name for name in files if not (installed_root / name).is_file()]
    assert missing == []


async def test_the_installed_sandbox_answers_in_english_and_russian(installed: Path, tmp_path: Path) -> None:
    web, emulator = free_port(), free_port()
    process = subprocess.Popen(
        [str(installed / "shopkeeper"), "sandbox", "--emulator-port", str(emulator), "--cryptopay-port", "0"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**environment(SHOPKEEPER_WEB_PORT=str(web)), "PYTHONPATH": ""},
    )
    try:
        base = f"http://127.0.0.1:{emulator}/_emulator"
        async with httpx.AsyncClient(timeout=5) as client:
            async def first_answer(user_id: int, language: str) -> dict:
                with trio.fail_after(30):
                    while True:
                        try:
                            await client.post(
                                f"{base}/users/{user_id}/send",
                                json={"text": "/start", "first_name": "Ann", "language_code": language},
                            )
                            break
                        except httpx.TransportError:
                            await trio.sleep(0.2)
                    while True:
                        answers = [m for m in (await client.get(f"{base}/chats/{user_id}/transcript")).json()
                                   if m.get("from", {}).get("is_bot")]
                        if answers:
                            return answers[0]
                        await trio.sleep(0.1)

            english = await first_answer(1001, "en")
            russian = await first_answer(1002, "ru")
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert english["text"].startswith("Welcome to "), (english, err[-2000:])
    assert russian["text"].startswith("Добро пожаловать в "), (russian, err[-2000:])
    labels = [button["text"] for row in russian["reply_markup"]["inline_keyboard"] for button in row]
    assert "🛍 Магазин" in labels
    assert not any(re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", label) for label in labels), labels


def test_pip_install_dot_builds_a_wheel_with_the_catalogs(installed: Path, tmp_path: Path) -> None:
    """`pip install .` builds the wheel in an isolated environment first: that wheel carries them too.
    (Built from the Dockerfile's copy of the sources, so the checkout gets no build/ directory.)"""
    sources = installed.parent.parent / "src"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(sources)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = tmp_path.glob("shopkeeper-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(data_files()) <= names


def test_images_are_pinned_by_digest_and_compose_holds_no_secret() -> None:
    """A rebuild gets the same base images; the PostgreSQL password and the other secrets come from
    .env as Docker secrets, never written into compose.yaml."""
    images = re.findall(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    compose = (ROOT / "compose.yaml").read_text()
    images += re.findall(r"^\s+image: (\S+)", compose, re.MULTILINE)
    assert len(images) == 3
    for image in images:
        assert re.fullmatch(r"[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}", image), image
    assert not re.search(r"PASSWORD:\s*\S", compose), "a password is written into compose.yaml"
    assert re.search(r"POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password", compose)
