#!/usr/bin/env python3
"""Flash and RAM of each firmware, from its ELF sections and link map.

    size-report.py DIR NAME...     (DIR/NAME.elf and DIR/NAME.map)

flash = .text (code and read-only data, incl. the guest image) + .ARM.exidx
+ .data (its initial values); of it, the runtime is what the link map takes
from libweft_fw.a, the image is the fw_image array. RAM reserved = .data +
.bss (incl. the allocator arena) + the C stack; what the firmware really
uses of the arena and the stack is measured at run time and printed over
the UART."""
import re
import subprocess
import sys


def sections(elf):
    out = subprocess.run(["arm-none-eabi-size", "-A", elf], check=True,
                         capture_output=True, text=True).stdout
    sizes = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith("."):
            sizes[parts[0]] = int(parts[1])
    return sizes


def symbol_size(elf, name):
    out = subprocess.run(["arm-none-eabi-nm", "-S", elf], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == name:
            return int(parts[1], 16)
    return 0


def runtime_bytes(mapfile):
    """Bytes of flash-resident input sections taken from libweft_fw.a."""
    total = 0
    text = open(mapfile).read()
    body = text[text.find("Linker script and memory map"):]
    pending = None
    for line in body.splitlines():
        m = re.match(r"^ (\.(?:text|rodata|data)\S*)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)", line)
        if m:
            if "libweft_fw.a(" in m.group(3):
                total += int(m.group(2), 16)
            pending = None
            continue
        m = re.match(r"^ (\.(?:text|rodata|data)\S*)$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)", line)
        if m and pending:
            if "libweft_fw.a(" in m.group(2):
                total += int(m.group(1), 16)
        pending = None
    return total


def main():
    d, names = sys.argv[1], sys.argv[2:]
    print("%-11s %7s %8s %6s %6s   %8s %6s %6s %6s" % (
        "firmware", "flash", "runtime", "image", "other",
        "RAM rsv", "data", "bss", "stack"))
    for n in names:
        elf = "%s/%s.elf" % (d, n)
        s = sections(elf)
        flash = s.get(".text", 0) + s.get(".ARM.exidx", 0) + s.get(".data", 0)
        rt = runtime_bytes("%s/%s.map" % (d, n))
        img = symbol_size(elf, "fw_image")
        data, bss, stack = s.get(".data", 0), s.get(".bss", 0), s.get(".stack", 0)
        print("%-11s %7d %8d %6d %6d   %8d %6d %6d %6d" % (
            n, flash, rt, img, flash - rt - img, data + bss + stack, data, bss, stack))


if __name__ == "__main__":
    main()
