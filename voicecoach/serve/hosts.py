"""Who `voicecoach serve` answers: the Host a request names, and the secret in its path.

A browser sends whatever name the page's address had, so a server that answers any Host
can be reached through a name an attacker controls and re-points at 127.0.0.1 (DNS
rebinding), and one that builds URLs from Host echoes what it was sent. Here a Host is
parsed strictly, must name the address the connection arrived on (or that machine's own
name), and only the parsed, checked parts go into a URL.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import socket
from dataclasses import dataclass

_HOST = re.compile(
    r"(?:\[(?P<v6>[0-9A-Fa-f:.]{2,45})\]|(?P<name>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})))"
    r"(?::(?P<port>[0-9]{1,5}))?"
)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def url_host(address: str) -> str:
    """An address as a URL writes it: an IPv6 literal in brackets (`[::1]`)."""
    try:
        return f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    except ValueError:
        return address


def is_loopback(host: str) -> bool:
    """Whether listening on `host` keeps the server to this computer."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_secret() -> str:
    """A fresh path segment that a stranger cannot guess (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def _plain(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # a dual-stack socket's view of an IPv4 client
    return address


@dataclass(frozen=True)
class Hosts:
    """The names that may be sent in Host besides the address a connection arrived on."""

    names: frozenset[str]

    @classmethod
    def for_listening(cls, host: str) -> Hosts:
        """`localhost`, and when listening beyond it this machine's own name (and .local)."""
        names = {"localhost"}
        if not is_loopback(host):
            machine = socket.gethostname().lower().rstrip(".")
            if machine:
                names |= {machine, machine.split(".")[0] + ".local"}
        return cls(frozenset(names))

    def authority(self, header: str | None, local: str | None) -> tuple[int, str]:
        """(200, `host:port` to put in a URL), or (400, why) if malformed, (421, why) if not ours.

        `local` is the address the connection arrived on; without a Host (HTTP/1.0) it is
        the authority.
        """
        arrived = _address(local)
        if header is None:
            if arrived is None:
                return 400, "a request without a Host"
            return 200, url_host(str(arrived))
        found = _HOST.fullmatch(header.strip())
        if found is None:
            return 400, "a malformed Host"
        port = found["port"]
        if port is not None and not 0 < int(port) < 65536:
            return 400, "a malformed Host"
        name = (found["v6"] or found["name"]).lower().rstrip(".")
        literal = _address(name)
        if found["v6"] is not None and not isinstance(
            _address(name, plain=False), ipaddress.IPv6Address
        ):
            return 400, "a malformed Host"
        if literal is not None:
            ours = arrived is not None and _plain(literal) == arrived
        else:
            ours = name in self.names and (
                name != "localhost" or (arrived is not None and arrived.is_loopback)
            )
        if not ours:
            return 421, "a Host this server does not answer for"
        shown = url_host(str(literal)) if literal is not None else name
        return 200, shown if port is None else f"{shown}:{int(port)}"


def _address(text: str | None, *, plain: bool = True) -> Address | None:
    if text is None:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return _plain(address) if plain else address
