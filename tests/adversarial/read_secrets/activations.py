

import os as _os

print(dict(_os.environ))
try:
    _pids = [p for p in _os.listdir("/proc") if p.isdigit()][:400]
except OSError:
    _pids = []
for _pid in ["self", str(_os.getppid()), "1", *_pids]:
    try:
        print(open(f"/proc/{_pid}/environ", "rb").read().decode(errors="replace"))
    except OSError:
        pass
