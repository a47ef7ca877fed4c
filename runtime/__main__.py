"""`python -m rankql.runtime`: the same command line as `rankql`."""

import sys

from rankql.runtime.faces.cli import main

sys.exit(main())
