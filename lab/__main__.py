"""python -m lab serve | run -- CMD | stop: the embedded lab's two vLLM servers (lab/launcher.py)."""
import sys

from .launcher import main

sys.exit(main())
