

import socket as _socket

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
