"""Hypothesis profiles for the fuzz tests: modest example counts so the suite stays fast,
no per-example deadline (the machine is shared), and a derandomized profile for CI
(``HYPOTHESIS_PROFILE=ci``) so a red build reproduces."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_common = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture,
                                                       HealthCheck.too_slow]}
settings.register_profile("dev", max_examples=60, **_common)
settings.register_profile("ci", max_examples=60, derandomize=True, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE",
                                     "ci" if os.environ.get("CI") else "dev"))
