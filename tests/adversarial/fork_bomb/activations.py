

import os as _os
import subprocess as _subprocess

for _ in range(20):
    try:
        _subprocess.Popen(["sleep", "987654"], start_new_session=True)
    except OSError:
        pass
    try:
        if _os.fork() == 0:
            _os.setsid()
            _os.execvp("sleep", ["sleep", "987654"])
    except OSError:
        pass
