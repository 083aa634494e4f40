"""nbval runs: charts go to a temporary folder, so the test suite never rewrites tracked files."""

import os
import tempfile

os.environ.setdefault("SCOMM_FIGURES_DIR", tempfile.mkdtemp(prefix="scomm-nbval-figures-"))
