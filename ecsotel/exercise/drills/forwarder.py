"""A TCP forwarder that can be switched off: the pipeline drill's "endpoint unreachable".

While off it neither listens nor keeps a connection, so the collector's exporter
sees exactly what an outage looks like (connection refused), and when switched on
again it listens on the same port, so nothing needs reconfiguring.
"""

import contextlib
import socket
import threading


class Forwarder:
    """Forwards 127.0.0.1:<port> to 127.0.0.1:<target> while on."""

    def __init__(self, target: int) -> None:
        self._target = target
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.port = self._listen(0)

    def _listen(self, port: int) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return int(listener.getsockname()[1])

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by off()
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self._target), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections += [client, upstream]
            for source, destination in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, destination), daemon=True).start()

    def off(self) -> None:
        """Stop listening and cut every open connection."""
        with self._lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self._connections.clear()

    def on(self) -> None:
        """Listen again on the same port."""
        with self._lock:
            if self._listener is None:
                self._listen(self.port)


def _pump(source: socket.socket, destination: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            destination.sendall(data)
    with contextlib.suppress(OSError):
        destination.shutdown(socket.SHUT_WR)
