"""Production's static files: the player's ES module imports name hashed files.

The watch page loads static/js/player/main.js as a native ES module, which
imports the others by relative URL. collectstatic runs as the image build
runs it (production settings, a child process); every import in the output
must name the module's final hashed copy, or browsers would load stale or
missing modules.
"""

import json
import re
from pathlib import Path

from tests.helpers import ROOT, production_env, run_manage

PLAYER = ROOT / "static/js/player"
IMPORT = re.compile(r"""\bfrom\s*["']([^"']+)["']""")
HASHED = re.compile(r"^\./(?P<name>[\w-]+)\.[0-9a-f]{12}\.js$")


def _collectstatic(tmp_path: Path) -> tuple[Path, dict]:
    static_root = tmp_path / "static"
    env = production_env(
        DJANGO_STATIC_ROOT=str(static_root), VOD_VAR_DIR=str(tmp_path / "var")
    )
    result = run_manage("collectstatic", "--noinput", "-v", "0", env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    return static_root, manifest


def test_collectstatic_rewrites_the_player_module_imports_to_hashed_names(
    tmp_path: Path,
):
    static_root, manifest = _collectstatic(tmp_path)

    modules = sorted(path.name for path in PLAYER.glob("*.js"))
    assert "main.js" in modules and len(modules) > 10
    imported = set()
    for module in modules:
        hashed = manifest[f"js/player/{module}"]
        assert hashed != f"js/player/{module}"
        text = (static_root / hashed).read_text()
        for url in IMPORT.findall(text):
            match = HASHED.match(url)
            assert match, f"{module} imports {url!r}, not a hashed name"
            target = f"{match['name']}.js"
            # The final copy, not an intermediate one of an earlier pass.
            assert manifest[f"js/player/{target}"] == f"js/player/{url[2:]}"
            imported.add(target)
    # Every module is reached from main.js's imports, none left unserved.
    assert imported == set(modules) - {"main.js"}


def test_the_admin_uploader_and_uppys_bundle_are_collected_with_hashed_names(
    tmp_path: Path,
):
    static_root, manifest = _collectstatic(tmp_path)

    for name in ("vendor/uppy/uppy.min.js", "vendor/uppy/uppy.min.css"):
        assert manifest[name] != name
    text = (static_root / manifest["js/admin/source-upload.js"]).read_text()
    (url,) = IMPORT.findall(text)
    assert manifest["js/admin/upload-parts.js"] == f"js/admin/{url[2:]}"
