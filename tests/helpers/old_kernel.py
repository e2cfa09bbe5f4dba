"""Run a command as if the kernel had no user namespaces and no Landlock.

    python tests/helpers/old_kernel.py COMMAND...

A seccomp filter makes unshare() and landlock_create_ruleset() fail with ENOSYS,
which is what a kernel built without those features answers; the filter is kept
across exec, so the grader and its worker see that kernel. x86_64 only.
"""

import ctypes
import os
import platform
import struct
import sys

AUDIT_ARCH_X86_64 = 0xC000003E
UNSHARE, LANDLOCK_CREATE_RULESET = 272, 444
RET_ALLOW, RET_ENOSYS = 0x7FFF0000, 0x00050000 | 38
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


def instruction(code: int, jump_true: int, jump_false: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jump_true, jump_false, k)


def main(command: list[str]) -> None:
    if platform.machine() != "x86_64":
        sys.exit("old_kernel.py only knows x86_64")
    load, jump_if_equal, ret = 0x20, 0x15, 0x06
    program = b"".join(
        [
            instruction(load, 0, 0, 4),  # seccomp_data.arch
            instruction(jump_if_equal, 1, 0, AUDIT_ARCH_X86_64),
            instruction(ret, 0, 0, RET_ALLOW),
            instruction(load, 0, 0, 0),  # seccomp_data.nr
            instruction(jump_if_equal, 2, 0, UNSHARE),
            instruction(jump_if_equal, 1, 0, LANDLOCK_CREATE_RULESET),
            instruction(ret, 0, 0, RET_ALLOW),
            instruction(ret, 0, 0, RET_ENOSYS),
        ]
    )
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = struct.pack("=HxxxxxxQ", len(program) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0) != 0:
        sys.exit(f"seccomp failed: {os.strerror(ctypes.get_errno())}")
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
