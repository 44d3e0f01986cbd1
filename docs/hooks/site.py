"""MkDocs hook: the pages that are generated from the repository at build time, not copied.

- ``cli.md``: every console command in setup.py's ``CONSOLE_SCRIPTS`` with the ``--help`` its
  parser prints (the parsers are the reference; nothing is written by hand);
- ``api/<package>.md``: one mkdocstrings page per package of the repository (its public modules),
  so a module that appears, moves or disappears is documented without editing the nav;
- ``faithfulness.md``, ``benchmarks.md``, ``results.md``: the repository's FAITHFULNESS.md,
  BENCHMARKS.md and RESULTS.md, with every repository file they link (figures, CSVs) added to
  the site under the same relative path;
- the nav keeps a family guide (``cordsnet.md``, ``rsrnn.md``, ``whatwhere.md``) only once its
  page exists, and a page another issue adds to docs/ without a nav entry joins the guides.
"""
import ast
import contextlib
import importlib
import io
import os
import pkgutil
import re
import sys

from mkdocs.structure.files import File

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = ("drc", "teachers", "students", "convrnn_bl", "cordsnet", "rsrnn", "whatwhere")
INCLUDED = {"FAITHFULNESS.md": "faithfulness.md", "BENCHMARKS.md": "benchmarks.md", "RESULTS.md": "results.md"}
HELP_COLUMNS = "100"
LINK = re.compile(r"(\]\()([^)\s#]+)([^)]*\))")


def console_scripts(setup_py=os.path.join(ROOT, "setup.py")):
    """``[(command, "module:function"), ...]`` from the literal ``CONSOLE_SCRIPTS`` in setup.py."""
    with open(setup_py, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CONSOLE_SCRIPTS" for t in node.targets):
            entries = ast.literal_eval(node.value)
            return [tuple(part.strip() for part in entry.split("=", 1)) for entry in entries]
    raise ValueError(f"{setup_py} has no CONSOLE_SCRIPTS list")


def command_help(target):
    """The ``--help`` text the function ``"module:function"`` prints (argparse exits after it)."""
    module, function = target.split(":")
    main = getattr(importlib.import_module(module), function)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main(["--help"])
        except SystemExit as stop:
            if stop.code not in (0, None):
                raise RuntimeError(f"{target} --help exited with {stop.code}") from None
    return out.getvalue().rstrip()


def cli_page():
    lines = ["# Command line", "",
             "Every command is installed by `pip install .` and runs the same library function as its",
             "script in `scripts/`, with the same flags. The help texts below are printed by the parsers",
             "when this site is built.", "",
             "| command | runs |", "|---|---|"]
    scripts = console_scripts()
    lines += [f"| [`{name}`](#{name}) | `{target}` |" for name, target in scripts]
    os.environ["COLUMNS"] = HELP_COLUMNS
    for name, target in scripts:
        lines += ["", f"## {name}", "", f"`{name} --help` (`python -m drc {name}` is the same):", "",
                  "```text", command_help(target), "```"]
    return "\n".join(lines) + "\n"


def public_modules(package):
    """The package and its public modules and subpackages, found on disk (nothing imported)."""
    path = os.path.join(ROOT, package.replace(".", os.sep))
    found = [package]
    for info in pkgutil.iter_modules([path]):
        if not info.name.startswith("_"):
            found.append(f"{package}.{info.name}")
    return found


def api_packages():
    """Packages and subpackages that exist, e.g. drc, drc.core, drc.experiments, teachers."""
    found = []
    for package in PACKAGES:
        if not os.path.isfile(os.path.join(ROOT, package, "__init__.py")):
            continue
        found.append(package)
        for info in pkgutil.iter_modules([os.path.join(ROOT, package)]):
            if info.ispkg and not info.name.startswith("_"):
                found.append(f"{package}.{info.name}")
    return found


def api_page(package):
    subpackages = {p for p in api_packages() if p.startswith(package + ".")}
    lines = [f"# `{package}`", ""]
    for module in public_modules(package):
        if module in subpackages:
            lines += [f"See [`{module}`]({module}.md).", ""]
            continue
        lines += [f"::: {module}", ""]
    return "\n".join(lines)


def api_index():
    lines = ["# API reference", "",
             "Generated from the docstrings of every public module (mkdocstrings); one page per package.", ""]
    lines += [f"- [`{package}`]({package}.md)" for package in api_packages()]
    return "\n".join(lines) + "\n"


def _nav_prune(items, docs_dir):
    kept = []
    for item in items:
        if isinstance(item, dict):
            (title, value), = item.items()
            if isinstance(value, list):
                value = _nav_prune(value, docs_dir)
                if value:
                    kept.append({title: value})
                continue
            if value == "api/index.md":
                kept.append({title: ["api/index.md"] + [f"api/{p}.md" for p in api_packages()]})
                continue
            item_path = value
        else:
            item_path = item
        if _generated(item_path) or os.path.isfile(os.path.join(docs_dir, item_path)):
            kept.append(item)
    return kept


def _generated(path):
    return path in ("cli.md", "api/index.md") or path in INCLUDED.values()


def _nav_paths(items):
    for item in items:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            yield from _nav_paths(value)
        else:
            yield value


def _title(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# "):
                return line[2:].strip()
    return os.path.splitext(os.path.basename(path))[0]


def _nav_add_new_pages(nav, docs_dir, section="Guides"):
    """Pages another issue adds to docs/ without a nav entry go at the end of ``section``."""
    listed = set(_nav_paths(nav))
    new = sorted(name for name in os.listdir(docs_dir) if name.endswith(".md") and name not in listed)
    entries = [{_title(os.path.join(docs_dir, name)): name} for name in new]
    for item in nav:
        if isinstance(item, dict) and section in item:
            item[section] = item[section] + entries
            return nav
    return nav + entries


def on_config(config):
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    nav = _nav_prune(config["nav"], config["docs_dir"])
    config["nav"] = _nav_add_new_pages(nav, config["docs_dir"])
    return config


def _included_page(name, files, config):
    """A repository Markdown file as a page; the repository files it links come along."""
    with open(os.path.join(ROOT, name), encoding="utf-8") as f:
        text = f.read()

    def relink(match):
        target = match.group(2)
        if "://" in target or target.startswith(("mailto:", "/")):
            return match.group(0)
        if target in INCLUDED:
            return match.group(1) + INCLUDED[target] + match.group(3)
        source = os.path.normpath(os.path.join(ROOT, target))
        if os.path.isfile(source) and source.startswith(ROOT + os.sep) and files.get_file_from_path(target) is None:
            files.append(File.generated(config, target, abs_src_path=source))
        return match.group(0)

    return LINK.sub(relink, text)


def on_files(files, config):
    files.append(File.generated(config, "cli.md", content=cli_page()))
    files.append(File.generated(config, "api/index.md", content=api_index()))
    for package in api_packages():
        files.append(File.generated(config, f"api/{package}.md", content=api_page(package)))
    for name, page in INCLUDED.items():
        files.append(File.generated(config, page, content=_included_page(name, files, config)))
    return files
