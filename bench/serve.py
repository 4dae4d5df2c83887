"""Serve the ceiling app on exactly the fake's HTTP stack: its socket binding and uvicorn settings.

`python -m bench.serve --port N` prints the base URL on its first line, like `rivya-mock`.
"""

from __future__ import annotations

import argparse

from bench.ceiling import create_ceiling_app
from mockserver.server import base_url_of, bind_socket, uvicorn_server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    sock = bind_socket("127.0.0.1", args.port)
    print(f"ceiling listening on {base_url_of(sock)}", flush=True)
    uvicorn_server(create_ceiling_app()).run(sockets=[sock])


if __name__ == "__main__":
    main()
