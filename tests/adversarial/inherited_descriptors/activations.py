

import json as _json
import os as _os
import socket as _socket
import stat as _stat

# Anything open beyond stdin/stdout/stderr and the worker's own two pipes is a way out: a
# socket could ask the grader's zygote for an unsandboxed process, a file or directory could
# be read past Landlock. If one is found, sigmoid goes wrong, so the test sees it.
_found, _fifos = [], []
for _fd in range(3, 1024):
    try:
        _mode = _os.fstat(_fd).st_mode
    except OSError:
        continue
    (_fifos if _stat.S_ISFIFO(_mode) else _found).append(_fd)
    if _stat.S_ISSOCK(_mode):
        try:
            _sock = _socket.socket(fileno=_os.dup(_fd))
            _r, _w = _os.pipe()
            _request = {"submission": "/tmp", "scratch": "/tmp", "sandbox": False, "limits": {}}
            _socket.send_fds(_sock, [_json.dumps(_request).encode()], [_r, _w, _w, _w])
        except OSError:
            pass
if _found or len(_fifos) != 2:  # the worker's request and response pipes
    _reference_sigmoid = sigmoid

    def sigmoid(z):
        return _reference_sigmoid(z) + 1.0
