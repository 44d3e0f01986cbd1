"""The documentation site builds with ``mkdocs build --strict`` (offline) and holds what it must."""
import importlib.util
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOOK = os.path.join(ROOT, "docs", "hooks", "site.py")


def _hook():
    spec = importlib.util.spec_from_file_location("docs_site_hook", HOOK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build(config, site):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": ROOT}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", site],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = str(tmp_path_factory.mktemp("site"))
    result = _build(os.path.join(ROOT, "mkdocs.yml"), site)
    assert result.returncode == 0, result.stderr[-3000:]
    return site


def _page(site, name):
    with open(os.path.join(site, name, "index.html"), encoding="utf-8") as f:
        return f.read()


def test_strict_build_has_every_page(site):
    for page in ("drc", "bl", "cli", "notebooks", "faithfulness", "benchmarks", "results", "api"):
        assert os.path.isfile(os.path.join(site, page, "index.html")), page
    assert os.path.isfile(os.path.join(site, "index.html"))


def test_cli_page_is_generated_from_the_parsers(site):
    html = _page(site, "cli")
    for name, target in _hook().console_scripts():
        assert f'id="{name}"' in html, name
        assert target in html
    assert "--teacher_net" in html and "--trajectories_num" in html      # drc-training's parser


def test_api_pages_come_from_the_docstrings(site):
    html = _page(site, os.path.join("api", "drc"))
    assert 'id="drc.sensor"' in html and "sensor_frames" in html
    assert 'id="convrnn_bl.weights.load_keras2_weights"' in _page(site, os.path.join("api", "convrnn_bl"))


def test_included_pages_bring_their_figures(site):
    with open(os.path.join(ROOT, "RESULTS.md"), encoding="utf-8") as f:
        first_line = f.readline().strip("# \n")
    html = _page(site, "results")
    assert first_line in html
    linked = _hook().LINK.findall(open(os.path.join(ROOT, "RESULTS.md"), encoding="utf-8").read())
    figures = [target for _, target, _ in linked if target.endswith(".png")]
    assert figures
    for target in figures:
        assert os.path.isfile(os.path.join(site, target)), target


def test_a_broken_link_fails_the_strict_build(tmp_path):
    """The site's own settings (validation, strict) on one page with a broken link."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Start\n\nSee [the missing page](no_such_page.md).\n", encoding="utf-8")
    text = open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8").read()
    text = text[:text.index("hooks:")].replace("docs_dir: docs", f"docs_dir: {docs}")
    config = tmp_path / "mkdocs.yml"
    config.write_text(text, encoding="utf-8")
    result = _build(str(config), str(tmp_path / "site"))
    assert result.returncode != 0
    assert "contains a link 'no_such_page.md'" in result.stderr


def test_family_pages_join_the_nav_once_they_exist(tmp_path):
    hook = _hook()
    nav = [{"Guides": [{"DRC": "drc.md"}, {"CordsNet": "cordsnet.md"}]}, {"Command line": "cli.md"}]
    (tmp_path / "drc.md").write_text("# DRC\n")
    assert hook._nav_prune(nav, str(tmp_path)) == [{"Guides": [{"DRC": "drc.md"}]}, {"Command line": "cli.md"}]
    (tmp_path / "cordsnet.md").write_text("# CordsNet\n")
    assert hook._nav_prune(nav, str(tmp_path)) == nav


def test_a_page_without_a_nav_entry_joins_the_guides(tmp_path):
    hook = _hook()
    (tmp_path / "drc.md").write_text("# DRC\n")
    (tmp_path / "resume.md").write_text("Intro line\n# Interruptions\n")
    nav = hook._nav_add_new_pages([{"Guides": [{"DRC": "drc.md"}]}, {"Command line": "cli.md"}], str(tmp_path))
    assert nav == [{"Guides": [{"DRC": "drc.md"}, {"Interruptions": "resume.md"}]}, {"Command line": "cli.md"}]
