"""`python -m betyg_harness.flows …` runs the betygsrobot."""

import sys

from betyg_harness.flows.robot.cli import main

sys.exit(main())
