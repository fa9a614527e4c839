"""TRP Travel Addresses: the published example decodes, encoding round-trips, and every way a Travel Address can
point an inquiry somewhere unintended is refused with a message that says which."""

from __future__ import annotations

import base58
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relayer.travel_rule.address import MAX_LENGTH, TravelAddressError, decode, encode

EXAMPLE = ("taN2raFk3zy7RvbLqAmHJ2kDTbSFrDoMhwLdPPzysxhXnGRqgnsfbqktRpoTssSVBXa9XS7nMjGA2Xqb8AH7eGTZx9cyr85KxZr")
EXAMPLE_URL = "https://localhost:5001/trp/inquiry/cf7d27fb-75f9-4ea1-b65a-bd9050bba9db?t=i"


def _raw(location: str | bytes) -> str:
    """A Travel Address of arbitrary content, bypassing encode's checks, as a hostile counterparty could make."""
    data = location.encode() if isinstance(location, str) else location
    return "ta" + base58.b58encode_check(data).decode()


def _refused(travel_address: str, message: str) -> None:
    with pytest.raises(TravelAddressError, match=message):
        decode(travel_address)


# --- the published example and encoding --------------------------------------------------------------------------

def test_the_published_example_decodes_to_its_inquiry_url():
    assert decode(EXAMPLE) == EXAMPLE_URL


def test_encoding_the_example_url_gives_the_published_travel_address():
    assert encode(EXAMPLE_URL) == EXAMPLE


def test_encode_adds_t_equals_i_when_absent():
    assert encode(EXAMPLE_URL.removesuffix("?t=i")) == EXAMPLE


def test_encode_keeps_other_query_parameters_and_appends_t_equals_i():
    assert decode(encode("https://vasp.example/trp/inquiry?x=1&y=%20")) == \
        "https://vasp.example/trp/inquiry?x=1&y=%20&t=i"


def test_encode_does_not_duplicate_an_existing_t_equals_i():
    assert decode(encode("https://vasp.example/i?t=i&x=1")) == "https://vasp.example/i?t=i&x=1"


def test_encode_refuses_a_url_whose_t_parameter_is_not_i():
    with pytest.raises(TravelAddressError, match="t=i"):
        encode("https://vasp.example/i?t=x")


@pytest.mark.parametrize("url", ["http://vasp.example/i", "ftp://vasp.example/i", "vasp.example/i",
                                 "//vasp.example/i"])
def test_encode_refuses_a_url_that_is_not_https(url):
    with pytest.raises(TravelAddressError, match="https://"):
        encode(url)


def test_encode_refuses_a_url_whose_travel_address_would_be_too_long():
    with pytest.raises(TravelAddressError, match="at most 512"):
        encode("https://vasp.example/" + "a" * 400)


_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_HOST = st.one_of(
    st.lists(_LABEL, min_size=1, max_size=4).map(".".join).filter(lambda h: not h.rsplit(".", 1)[-1].isdigit()),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda ip: f"[{ip}]"),
)
_SEGMENT = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%", min_size=1, max_size=12)
_PARAM = st.tuples(st.from_regex(r"[a-su-z][a-z0-9]{0,5}", fullmatch=True),
                   st.from_regex(r"[A-Za-z0-9._~-]{0,8}", fullmatch=True)).map("=".join)


@given(host=_HOST, port=st.none() | st.integers(1, 65535), path=st.lists(_SEGMENT, max_size=5),
       params=st.lists(_PARAM, max_size=3))
def test_decode_inverts_encode_over_hosts_ports_paths_and_queries(host, port, path, params):
    authority = host if port is None else f"{host}:{port}"
    url = f"https://{authority}/{'/'.join(path)}" + (f"?{'&'.join(params)}" if params else "")
    inquiry = url + ("&" if params else "?") + "t=i"
    travel_address = encode(url)
    assert travel_address.startswith("ta")
    assert decode(travel_address) == inquiry
    assert encode(inquiry) == travel_address


# --- refusals while decoding -------------------------------------------------------------------------------------

def test_a_travel_address_not_starting_with_ta_is_refused():
    _refused("tb" + EXAMPLE[2:], "starts with 'ta'")


def test_ta_alone_is_refused():
    _refused("ta", "nothing after 'ta'")


@pytest.mark.parametrize("character", ["0", "O", "I", "l", "+", "é"])
def test_a_character_outside_the_base58_alphabet_is_refused(character):
    _refused(EXAMPLE[:10] + character + EXAMPLE[11:], "not a base58 character")


def test_a_mistyped_travel_address_fails_its_checksum():
    mistyped = EXAMPLE[:20] + ("b" if EXAMPLE[20] != "b" else "c") + EXAMPLE[21:]
    _refused(mistyped, "checksum does not match")


def test_a_truncated_travel_address_fails_its_checksum():
    _refused(EXAMPLE[:-1], "checksum does not match")


def test_a_travel_address_longer_than_512_characters_is_refused_before_decoding():
    _refused("ta" + "1" * (MAX_LENGTH - 1), f"at most {MAX_LENGTH} characters")


def test_a_travel_address_that_is_not_utf_8_is_refused():
    _refused(_raw(b"\xffvasp.example/i?t=i"), "UTF-8")


@pytest.mark.parametrize("location", ["https://vasp.example/i?t=i", "http://vasp.example/i?t=i",
                                      "javascript://vasp.example/i?t=i"])
def test_a_url_with_a_scheme_inside_is_refused(location):
    _refused(_raw(location), "scheme inside")


@pytest.mark.parametrize("location", ["/i?t=i", "?t=i", ":443/i?t=i"])
def test_a_url_without_a_host_is_refused(location):
    _refused(_raw(location), "no host|neither a DNS name")


def test_a_url_without_t_equals_i_is_refused():
    _refused(_raw("vasp.example/i?x=1"), "t=i")


def test_a_url_with_t_set_to_another_value_is_refused():
    _refused(_raw("vasp.example/i?t=r"), "t=i")


def test_a_url_with_userinfo_is_refused():
    _refused(_raw("trusted.example@attacker.example/i?t=i"), "userinfo")


def test_a_url_with_a_fragment_is_refused():
    _refused(_raw("vasp.example/i?t=i#frag"), "fragment")


@pytest.mark.parametrize("character", [" ", "\t", "\n", "\x00", "\x7f", "\u200b", "\u202e"])
def test_a_url_with_whitespace_or_a_control_character_is_refused(character):
    _refused(_raw(f"vasp.exa{character}mple/i?t=i"), "whitespace or a control character")


@pytest.mark.parametrize("host", ["-vasp.example", "vasp-.example", "vasp..example", "vasp_1.example", "1.2.3.256",
                                  "[::g]", "[127.0.0.1]", "a" * 64 + ".example", "vasp.example:port", "xn--bcher-kva.ä"])
def test_a_host_that_is_neither_a_dns_name_nor_an_ip_literal_is_refused(host):
    _refused(_raw(f"{host}/i?t=i"), "neither a DNS name nor an IP address|not a host")


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_port_out_of_range_is_refused(port):
    _refused(_raw(f"vasp.example:{port}/i?t=i"), "out of range")


@pytest.mark.parametrize("location", ["localhost/i?t=i", "127.0.0.1:8443/i?t=i", "[2001:db8::1]:443/i?t=i",
                                      "vasp.example?t=i"])
def test_dns_names_and_ip_literals_with_optional_ports_are_accepted(location):
    assert decode(_raw(location)) == "https://" + location
