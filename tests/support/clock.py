"""A hand-driven clock for the CryptoPay twin's tests."""


class ManualClock:
    """Unix seconds that move only when a test says so."""

    def __init__(self, now: float = 1_780_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
