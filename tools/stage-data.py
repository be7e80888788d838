# SPDX-License-Identifier: MIT
# Copy the data directory's files into the build tree's copy (run by meson): stage-data.py STAMP OUTDIR SRC=SUBDIR...
# The uninstalled pinfold reads BUILD/data laid out exactly like DATADIR/pinfold, never the source tree.
import os
import shutil
import sys


def main():
    stamp, outdir, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
    for pair in pairs:
        src, _, sub = pair.rpartition("=")
        if not src:
            sys.exit("stage-data.py: expected SRC=SUBDIR, got '%s'" % pair)
        dest_dir = os.path.join(outdir, sub)
        os.makedirs(dest_dir, exist_ok=True)
        dest = os.path.join(dest_dir, os.path.basename(src))
        tmp = dest + ".tmp"
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    with open(stamp, "w") as f:
        f.write("\n".join(sorted(pairs)) + "\n")


if __name__ == "__main__":
    main()
