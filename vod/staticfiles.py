"""Static files in production: hashed names, compressed copies, ES module imports.

The watch page's player is native ES modules (static/js/player/) loaded with no
build step. The manifest storage names each file after its content's hash, and
only with ``support_js_module_import_aggregation`` does it rewrite the modules'
``import ... from "./x.js"`` to the hashed names too; without it a browser
would load unhashed (and so long-cached, never refreshed) modules, or none.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed manifest storage, hashing ES module imports too."""

    support_js_module_import_aggregation = True
