#!/usr/bin/env python3
"""Writes the reflection registrations a native image needs for the service's own classes, from the compiled classes:
every record and enum (Jackson reads and writes them: snapshots, history rows, API bodies, Temporal payloads), every
Temporal workflow and activity interface, and every class that implements one (the Temporal SDK calls them reflectively).

    deploy/native/reflect-config.py target/classes > src/main/resources/META-INF/native-image/io.pgactive/pgactive-tools/reflect-config.json

Run it after adding records or workflow classes; deploy/native/README.md says when.
"""
import json
import struct
import sys
from pathlib import Path

TEMPORAL = {b"Lio/temporal/workflow/WorkflowInterface;", b"Lio/temporal/activity/ActivityInterface;"}


def read_class(data):
    """This class's name, its superclass, its interfaces and the UTF-8 constants (annotation descriptors among them)."""
    count = struct.unpack_from(">H", data, 8)[0]
    pos, i = 10, 1
    utf8, classes = {}, {}
    while i < count:
        tag = data[pos]
        if tag == 1:
            length = struct.unpack_from(">H", data, pos + 1)[0]
            utf8[i] = data[pos + 3:pos + 3 + length]
            pos += 3 + length
        elif tag == 7:
            classes[i] = struct.unpack_from(">H", data, pos + 1)[0]
            pos += 3
        elif tag in (8, 16, 19, 20):
            pos += 3
        elif tag == 15:
            pos += 4
        elif tag in (3, 4, 9, 10, 11, 12, 17, 18):
            pos += 5
        elif tag in (5, 6):
            pos += 9
            i += 1
        else:
            raise ValueError(f"constant pool tag {tag}")
        i += 1
    name = lambda index: utf8[classes[index]].decode().replace("/", ".")
    this_class, super_class, n = struct.unpack_from(">HHH", data, pos + 2)
    interfaces = [name(struct.unpack_from(">H", data, pos + 8 + 2 * k)[0]) for k in range(n)]
    return name(this_class), name(super_class) if super_class else None, interfaces, set(utf8.values())


def main(root):
    infos = {}
    for path in sorted(Path(root).rglob("*.class")):
        if path.name in ("module-info.class", "package-info.class"):
            continue
        cls, sup, interfaces, constants = read_class(path.read_bytes())
        infos[cls] = (sup, interfaces, constants)
    temporal = {c for c, (_, _, constants) in infos.items() if constants & TEMPORAL}
    wanted = set()
    for cls, (sup, interfaces, _) in infos.items():
        if sup in ("java.lang.Record", "java.lang.Enum") or cls in temporal or set(interfaces) & temporal:
            wanted.add(cls)
    entries = [{"name": c, "allDeclaredConstructors": True, "allDeclaredMethods": True, "allDeclaredFields": True,
                "allPublicMethods": True} for c in sorted(wanted)]
    json.dump(entries, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/classes")
