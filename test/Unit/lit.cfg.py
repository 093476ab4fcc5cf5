# -*- Python -*-
# Runs the GoogleTest binaries under build/unittests as lit tests, one lit
# test per GoogleTest case, so the suite's summary counts them too.

import os

import lit.formats

config.name = "deepc-unit"
config.suffixes = []
config.test_source_root = config.deepc_unittests_dir
config.test_exec_root = config.deepc_unittests_dir
config.test_format = lit.formats.GoogleTest(".", "Tests")
