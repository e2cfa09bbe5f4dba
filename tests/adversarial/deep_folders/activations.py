

import os as _os


def _dig(depth):
    """Folders d/d/.../d, depth of them, each with a file: removing them by recursion, one call per
    folder, runs out of Python's stack long before the bottom, and their paths grow longer than
    any path may be."""
    here = _os.open(".", _os.O_RDONLY)
    for _ in range(depth):
        try:  # a worker's own tmpfs has room for a few thousand files and folders
            _os.mkdir("d", dir_fd=here)
            _os.close(_os.open("f", _os.O_CREAT | _os.O_WRONLY, dir_fd=here))
        except OSError:
            break
        below = _os.open("d", _os.O_RDONLY, dir_fd=here)
        _os.close(here)
        here = below
    _os.close(here)


if not _os.path.isdir("d"):
    _dig(3000)
    try:  # the dig may have used that room up
        _os.makedirs("closed/inner", exist_ok=True)
        with open("closed/inner/notes.txt", "w") as _notes:
            _notes.write("kept out")
        _os.chmod("closed/inner", 0)
        _os.chmod("closed", 0o500)
    except OSError:
        pass
