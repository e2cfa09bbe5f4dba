

import os as _os

print("x" * 25_000_000)
_os.write(1, b"y" * 25_000_000)
