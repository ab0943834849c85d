"""``python -m summit <step>``: the command line, run by the interpreter the workflow runs on."""

import sys

from summit.cli import main

sys.exit(main())
