import sys

from collabcore.tools.cli import main

sys.exit(main())
