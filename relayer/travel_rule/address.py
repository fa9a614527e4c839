"""TRP Travel Addresses: what an investor hands a sending VASP instead of a bare wallet address.

A Travel Address is "ta" followed by the base58check encoding (bitcoin alphabet, 4-byte double-SHA256 checksum, no
version byte) of the beneficiary VASP's inquiry URL without its `https://` scheme; the URL carries `t=i`. The
checksum catches a mistyped address before any request leaves; the host rules below keep a decoded address from
steering the inquiry (and the investor's personal data in it) anywhere but a plain HTTPS origin."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import parse_qsl, urlsplit

import base58

PREFIX = "ta"
MAX_LENGTH = 512  # refused before decoding: base58 decoding is quadratic in the input's length
_SCHEME = "https://"
_ALPHABET = frozenset(base58.alphabet.decode())
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_AUTHORITY = re.compile(r"(?P<host>\[[^\]]*\]|[^:]*)(?::(?P<port>[0-9]{1,5}))?")
_DNS_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


class TravelAddressError(ValueError):
    """The Travel Address, or the URL given to encode, is not one an inquiry may be sent to; the message says why."""


def decode(travel_address: str) -> str:
    """The `https://` inquiry URL a Travel Address leads to."""
    if len(travel_address) > MAX_LENGTH:
        raise TravelAddressError(f"a Travel Address is at most {MAX_LENGTH} characters; this one has "
                                 f"{len(travel_address)}")
    if not travel_address.startswith(PREFIX):
        raise TravelAddressError(f"a Travel Address starts with {PREFIX!r}")
    body = travel_address[len(PREFIX):]
    if not body:
        raise TravelAddressError(f"the Travel Address has nothing after {PREFIX!r}")
    bad = next((c for c in body if c not in _ALPHABET), None)
    if bad is not None:
        raise TravelAddressError(f"{bad!r} is not a base58 character (the alphabet has no 0, O, I or l)")
    try:
        raw = base58.b58decode_check(body)
    except ValueError:
        raise TravelAddressError("the Travel Address's checksum does not match: it was mistyped or truncated") from None
    try:
        location = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TravelAddressError("the Travel Address does not decode to UTF-8 text") from None
    _check(location)
    if ("t", "i") not in parse_qsl(urlsplit(_SCHEME + location).query, keep_blank_values=True):
        raise TravelAddressError("the decoded URL lacks the query parameter t=i that marks a TRP inquiry URL")
    return _SCHEME + location


def encode(url: str) -> str:
    """The Travel Address of an `https://` inquiry URL; `t=i` is appended when absent, other parameters are kept."""
    if url[: len(_SCHEME)].lower() != _SCHEME:
        raise TravelAddressError(f"a Travel Address leads to an https:// URL, not {url[:16]!r}")
    location = url[len(_SCHEME):]
    _check(location)
    split = urlsplit(_SCHEME + location)
    t = [value for key, value in parse_qsl(split.query, keep_blank_values=True) if key == "t"]
    if t and t != ["i"]:
        raise TravelAddressError(f"the URL's query parameter t is {t!r}; an inquiry URL carries t=i")
    if not t:
        # Appended to the raw query, not re-encoded, so the other parameters keep their exact bytes.
        separator = "&" if split.query else ("" if location.endswith("?") else "?")
        location += separator + "t=i"
    travel_address = PREFIX + base58.b58encode_check(location.encode()).decode()
    if len(travel_address) > MAX_LENGTH:
        raise TravelAddressError(f"the URL makes a Travel Address of {len(travel_address)} characters; at most "
                                 f"{MAX_LENGTH} are accepted")
    return travel_address


def _check(location: str) -> None:
    """Refuses what could send the inquiry somewhere other than the host it names: a second scheme, userinfo (which
    browsers and clients read differently), fragments, whitespace and control characters, or a malformed host."""
    if _HAS_SCHEME.match(location):
        raise TravelAddressError("the URL has a scheme inside it; a Travel Address encodes the URL without https://")
    bad = next((c for c in location if c.isspace() or unicodedata.category(c) in ("Cc", "Cf")), None)
    if bad is not None:
        raise TravelAddressError(f"the URL contains whitespace or a control character ({bad!r})")
    if "#" in location:
        raise TravelAddressError("the URL has a fragment (#); an inquiry URL has none")
    authority = re.split(r"[/?]", location, maxsplit=1)[0]
    if "@" in authority:
        raise TravelAddressError("the URL has userinfo (user@host); an inquiry URL names only a host")
    if not authority:
        raise TravelAddressError("the URL has no host")
    match = _AUTHORITY.fullmatch(authority)
    if match is None:
        raise TravelAddressError(f"{authority!r} is not a host with an optional port")
    host, port = match["host"], match["port"]
    if port is not None and not 0 < int(port) <= 65535:
        raise TravelAddressError(f"port {port} is out of range")
    if not _is_host(host):
        raise TravelAddressError(f"{host!r} is neither a DNS name nor an IP address")


def _is_host(host: str) -> bool:
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    labels = host.split(".")
    if len(host) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        return False
    # No top-level domain is all digits: such a host must be an IPv4 literal, and a valid one.
    if labels[-1].isdigit():
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
    return True
