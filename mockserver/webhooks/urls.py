"""The URL rules of webhook endpoints (spec §14): what `webhook_url_rejected` refuses.

The host is parsed the way clients and resolvers read it, so that no spelling of a loopback or
private address slips through: IPv6 literals (also IPv4-mapped ones), and the IPv4 forms that
`inet_aton` and URL parsers accept — `2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from ..errors import WebhookUrlRejected

PUBLIC, LOCAL = "public", "local"
# Names that always mean this machine or the local network, whatever DNS says.
_LOCAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".home.arpa", ".lan")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_NUMBER = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_IPV4_PART = re.compile(r"^(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _reject(reason: str) -> WebhookUrlRejected:
    return WebhookUrlRejected(f"url: {reason}")


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host spells in any `inet_aton` form, or None if it is a name.

    A host whose last label is numeric is an IPv4 attempt (as URL parsers decide); one that
    does not parse as such is not a host at all.
    """
    parts = host.split(".")
    if not _NUMBER.match(parts[-1]):
        return None
    if len(parts) > 4 or not all(_IPV4_PART.match(p) for p in parts):
        raise _reject(f"host {host!r} is not a valid IPv4 address")
    values = [
        int(p, 16)
        if p.startswith("0x")
        else int(p, 8)
        if p != "0" and p.startswith("0")
        else int(p)
        for p in parts
    ]
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        raise _reject(f"host {host!r} is not a valid IPv4 address")
    number = sum(v << (8 * (3 - i)) for i, v in enumerate(head)) + last
    return ipaddress.IPv4Address(number)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in ipaddress.IPv6Network("64:ff9b::/96"):  # NAT64 reaches the embedded address
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return None


def is_public_address(address: Address) -> bool:
    """Neither loopback, private, link-local, shared, multicast, unspecified nor reserved."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public_address(embedded)
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_unspecified
    )


def _address(host: str) -> Address | None:
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise _reject(f"host {host!r} is not a valid IPv6 address") from None
    return parse_ipv4(host)


def _check_name(name: str, mode: str) -> None:
    labels = name.split(".")
    try:
        ascii_labels = [label.encode("idna").decode("ascii") for label in labels]
    except UnicodeError:
        raise _reject(f"host {name!r} is not a valid host name") from None
    if not all(_LABEL.match(label) for label in ascii_labels) or len(name) > 253:
        raise _reject(f"host {name!r} is not a valid host name")
    if mode == LOCAL:
        return
    if name == "localhost" or name.endswith(_LOCAL_SUFFIXES):
        raise _reject(f"host {name!r} is a local name (localhost and local-network names)")
    if len(labels) == 1:
        raise _reject(f"host {name!r} is a single-label (local-network) name")


def check_webhook_url(url: str, mode: str = PUBLIC) -> str:
    """`url` if it obeys the URL rules of `mode` (`public` or `local`), else raise."""
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise _reject("must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _reject(f"is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    allowed = ("https",) if mode == PUBLIC else ("https", "http")
    if scheme not in allowed:
        rule = "must use https" if mode == PUBLIC else "must use http or https"
        raise _reject(
            rule + (" (knob webhook_urls=local also accepts http)" if mode == PUBLIC else "")
        )
    if "#" in url:
        raise _reject("must not have a fragment")
    if "@" in parts.netloc:
        raise _reject("must not embed credentials (user:password@)")
    host = (parts.hostname or "").rstrip(".") if parts.hostname != "." else ""
    if not host:
        raise _reject("must have a host")
    if port == 0:
        raise _reject("port 0 is not a port one can send to")
    address = _address(host)
    if address is None:
        _check_name(host, mode)
    elif not is_public_address(address):
        if mode == PUBLIC:
            raise _reject(
                f"host {host!r} is a loopback, private, link-local or reserved address "
                f"({address}); knob webhook_urls=local accepts local receivers"
            )
        if address.is_unspecified or address.is_multicast:
            raise _reject(f"host {host!r} is not an address one can send to ({address})")
    return url
