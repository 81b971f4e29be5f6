"""README's sandbox walk-throughs, run as written against `shopkeeper sandbox` in a subprocess.

The commands are read from README.md's code blocks ("Trying the sandbox", and the Payments section's
"Trying each method in the sandbox"), so this test breaks when the README and the shop disagree. They
run one after another in one shell, as when pasted line by line, with nothing in between: no line
waits for the bot but the emulator's own send, press and pay. Only the ports change (the defaults may
be taken on the machine running the tests).
"""

import re
import subprocess
from pathlib import Path

import httpx
import trio

from tests.support.processes import SHOPKEEPER, environment, free_port, stop, wait_healthy

README = Path(__file__).resolve().parents[1] / "README.md"


def section(text: str, heading: str) -> str:
    """The README's section under `heading` ("## Name"), up to the next heading of its level."""
    start = text.index(f"\n{heading}\n")
    level = heading.split(" ")[0]
    end = text.find(f"\n{level} ", start + len(heading) + 2)
    return text[start : end if end != -1 else len(text)]


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)


def walkthroughs() -> tuple[str, str]:
    readme = README.read_text(encoding="utf-8")
    trying = "".join(shell_blocks(section(readme, "## Trying the sandbox")))
    payments = section(readme, "## Payments")
    (paying,) = shell_blocks(payments[payments.index("**Trying each method in the sandbox**") :])[:1]
    return trying, paying


async def test_the_readme_sandbox_commands_work_pasted_line_by_line(tmp_path: Path) -> None:
    trying, paying = walkthroughs()
    web, emulator, cryptopay = free_port(), free_port(), free_port()
    # The README's paths are the repository's: its .venv, and the sandbox's data/ beside it.
    (tmp_path / ".venv").symlink_to(Path(SHOPKEEPER).parent.parent)
    ports = {"127.0.0.1:8081": f"127.0.0.1:{emulator}", "127.0.0.1:8082": f"127.0.0.1:{cryptopay}"}
    process = subprocess.Popen(
        [SHOPKEEPER, "sandbox", "--emulator-port", str(emulator), "--cryptopay-port", str(cryptopay)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment(SHOPKEEPER_WEB_PORT=str(web)),
    )
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            assert await wait_healthy(client, f"http://127.0.0.1:{web}/health", 30)

            def paste(commands: str) -> str:
                for default, port in ports.items():
                    commands = commands.replace(default, port)
                done = subprocess.run(
                    ["bash", "-s"], input=commands, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                    env=environment(),
                )
                assert done.returncode == 0 and done.stderr == "", done.stderr
                assert '"error"' not in done.stdout, done.stdout
                return done.stdout

            bought = await trio.to_thread.run_sync(paste, trying)
            assert "credited 50.00 to user 1001; balance is now 50.00" in bought
            # The last line's transcript already holds the key: the Confirm press waited for it.
            assert "Purchase complete: Starfall Odyssey × 1 for 10.00 USD" in bought and "STAODY-DEMO-" in bought

            paid = await trio.to_thread.run_sync(paste, paying)
            assert '"status":"paid"' in paid and '"status":200' in paid
            transcript = f"http://127.0.0.1:{emulator}/_emulator/chats/1001/transcript"
            # The webhook's payment is told by the shop after it answered the webhook: wait for it.
            with trio.fail_after(20):
                while True:
                    texts = [m.get("text") or "" for m in (await client.get(transcript)).json()]
                    received = [text for text in texts if text.startswith("✅ Payment received: 10.00 USD")]
                    if len(received) == 2:
                        break
                    await trio.sleep(0.1)
            assert "Balance: 60.00 USD" in received[-1]
    finally:
        await stop(process)
    assert (tmp_path / "data" / "sandbox" / "sandbox.db").exists()
