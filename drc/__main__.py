"""``python -m drc COMMAND [flags]``: any console command of the package without its PATH entry.

``python -m drc drc-training --help`` runs what ``drc-training --help`` runs (the list is the
installed package's console scripts, declared once in setup.py).
"""
import importlib
import sys
from importlib import metadata

DISTRIBUTION = "recurrent-vision"


def commands():
    """``{command: "module:function"}`` of the installed distribution's console scripts."""
    table = {}
    for dist in metadata.distributions(name=DISTRIBUTION):  # a stale egg-info may come first
        table.update({p.name: p.value for p in dist.entry_points if p.group == "console_scripts"})
    return table


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    table = commands()
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in table:
        listing = "\n".join(f"  {name}" for name in sorted(table)) or "  (none: pip install the package first)"
        stream = sys.stdout if not argv or argv[0] in ("-h", "--help") else sys.stderr
        if argv and stream is sys.stderr:
            print(f"python -m drc: error: unknown command {argv[0]!r}; the commands are:", file=stream)
        else:
            print("usage: python -m drc COMMAND [flags]   (COMMAND --help for its flags)\n\ncommands:", file=stream)
        print(listing, file=stream)
        return 0 if stream is sys.stdout else 2
    module, function = table[argv[0]].split(":")
    sys.argv = [argv[0]] + argv[1:]
    return getattr(importlib.import_module(module), function)(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
