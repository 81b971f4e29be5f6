"""The twin's market: the currencies it lists, their exchange rates, and CryptoPay's fee. Fixed, not live.

Real rates move every minute; the twin's never do, so a test can say in advance what getExchangeRates,
an invoice's `paid_usd_rate` or the default amount paid for a fiat invoice will be. The prices are
plausible, not current. Decimals per asset are those CryptoPay's getCurrencies reports (observed answers).
"""

from decimal import Decimal

# CryptoPay keeps 3% of every paid invoice: observed fee_amount "0.06" on an invoice of 2 USDT.
FEE = Decimal("0.03")
# Rates and computed amounts carry 8 decimal places, as CryptoPay's do ("0.99961845").
PLACES = Decimal("0.00000001")

# code: (name, decimals, project site, stablecoin, price in USD)
CRYPTO: dict[str, tuple[str, int, str, bool, Decimal]] = {
    "USDT": ("Tether", 18, "https://tether.to/", True, Decimal("1")),
    "TON": ("Toncoin", 9, "https://ton.org/", False, Decimal("3.5")),
    "BTC": ("Bitcoin", 8, "https://bitcoin.org/", False, Decimal("95000")),
    "ETH": ("Ethereum", 18, "https://ethereum.org/", False, Decimal("3500")),
    "LTC": ("Litecoin", 8, "https://litecoin.org/", False, Decimal("100")),
    "BNB": ("Binance Coin", 18, "https://www.bnbchain.org/", False, Decimal("650")),
    "TRX": ("TRON", 6, "https://tron.network/", False, Decimal("0.25")),
    "USDC": ("USD Coin", 18, "https://www.circle.com/usdc", True, Decimal("1")),
}
# code: (name, units of it per USD)
FIAT: dict[str, tuple[str, Decimal]] = {
    "USD": ("United States dollar", Decimal("1")),
    "EUR": ("Euro", Decimal("0.92")),
    "RUB": ("Russian ruble", Decimal("95")),
    "BYN": ("Belarusian ruble", Decimal("3.3")),
    "UAH": ("Ukrainian hryvnia", Decimal("41")),
    "GBP": ("Pound sterling", Decimal("0.79")),
    "CNY": ("Chinese yuan renminbi", Decimal("7.2")),
    "KZT": ("Kazakhstani tenge", Decimal("480")),
    "UZS": ("Uzbekistani som", Decimal("12700")),
    "GEL": ("Georgian lari", Decimal("2.7")),
    "TRY": ("Turkish lira", Decimal("34")),
    "AMD": ("Armenian dram", Decimal("390")),
    "THB": ("Thai baht", Decimal("34")),
    "INR": ("Indian rupee", Decimal("84")),
    "BRL": ("Brazilian real", Decimal("5.6")),
    "IDR": ("Indonesian rupiah", Decimal("15800")),
    "AZN": ("Azerbaijani manat", Decimal("1.7")),
    "AED": ("United Arab Emirates dirham", Decimal("3.6725")),
    "PLN": ("Polish zloty", Decimal("4")),
    "ILS": ("Israeli new shekel", Decimal("3.7")),
}
ASSETS = frozenset(CRYPTO)
FIATS = frozenset(FIAT)


def amount_text(value: Decimal) -> str:
    """A decimal as CryptoPay writes amounts: a plain string without trailing zeros ("0.06", "100", never "1E+2")."""
    return format(value.normalize(), "f")


def usd_price(asset: str) -> Decimal:
    return CRYPTO[asset][4]


def rate(asset: str, fiat: str) -> Decimal:
    """How many units of `fiat` one `asset` is worth, to 8 places."""
    return (usd_price(asset) * FIAT[fiat][1]).quantize(PLACES)


def exchange_rates() -> list[dict[str, object]]:
    """getExchangeRates: every asset against every fiat currency, rates as decimal strings."""
    return [
        {
            "is_valid": True,
            "is_crypto": True,
            "is_fiat": False,
            "source": asset,
            "target": fiat,
            "rate": amount_text(rate(asset, fiat)),
        }
        for asset in CRYPTO
        for fiat in FIAT
    ]


def currencies() -> list[dict[str, object]]:
    """getCurrencies: the assets (with their project's site) and then the fiat currencies (without one)."""
    crypto: list[dict[str, object]] = [
        {
            "is_blockchain": not stable,
            "is_stablecoin": stable,
            "is_fiat": False,
            "name": name,
            "code": code,
            "url": url,
            "decimals": decimals,
        }
        for code, (name, decimals, url, stable, _) in CRYPTO.items()
    ]
    fiat: list[dict[str, object]] = [
        {"is_blockchain": False, "is_stablecoin": False, "is_fiat": True, "name": name, "code": code, "decimals": 8}
        for code, (name, _) in FIAT.items()
    ]
    return crypto + fiat
