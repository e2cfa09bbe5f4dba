

import socket as _socket

# TCP and UDP to a server on loopback
for _family, _address in [(_socket.AF_INET, ("127.0.0.1", 47613))]:
    try:
        with _socket.create_connection(_address, timeout=1) as _connection:
            _connection.sendall(b"LEAK")
    except OSError:
        pass
    try:
        _socket.socket(_family, _socket.SOCK_DGRAM).sendto(b"LEAK", _address)
    except OSError:
        pass

# Unix sockets with a path (a session's D-Bus would start programs outside every wall): a stream,
# datagrams, and datagrams from a socket of a pair, which can still send to a path
try:
    with _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM) as _connection:
        _connection.connect("/tmp/bpg-adversarial-listener.sock")
        _connection.sendall(b"LEAK")
except OSError:
    pass
try:
    with _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM) as _connection:
        _connection.sendto(b"LEAK", "/tmp/bpg-adversarial-datagrams.sock")
except OSError:
    pass
try:
    _pair = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_DGRAM)
    _pair[0].sendto(b"LEAK", "/tmp/bpg-adversarial-datagrams.sock")
except OSError:
    pass
