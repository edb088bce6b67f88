import sys

from collabcore.cli import main

sys.exit(main())
