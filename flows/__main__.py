"""`python -m flows …` runs the betygsrobot."""
import sys

from flows.robot.cli import main

sys.exit(main())
