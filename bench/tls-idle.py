#!/usr/bin/env python3
"""Holds N idle TLS connections to HOST:PORT for bench/h2-vs-nginx.sh --load=idle.

Usage: tls-idle.py HOST:PORT N. Each connection completes its handshake and sends nothing more. Prints
"held K" once all are made (K: those the server has not closed), then keeps them until killed. The
certificate is not verified: the figure is the server's memory per connection.
"""
import asyncio
import ssl
import sys


async def main(host: str, port: int, count: int) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    gate = asyncio.Semaphore(64)  # handshakes in flight
    held = []

    async def one() -> None:
        async with gate:
            try:
                held.append(await asyncio.open_connection(host, port, ssl=context))
            except OSError as e:
                print(f"tls-idle: connect failed: {e}", file=sys.stderr)

    await asyncio.gather(*(one() for _ in range(count)))
    await asyncio.sleep(1)
    print(f"held {sum(1 for reader, _ in held if not reader.at_eof())}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    address, n = sys.argv[1], int(sys.argv[2])
    h, _, p = address.rpartition(":")
    asyncio.run(main(h, int(p), n))
