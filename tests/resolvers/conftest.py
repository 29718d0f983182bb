import sys
from pathlib import Path

# Lets the tests of this folder share the order 360 document module.
sys.path.insert(0, str(Path(__file__).parent))
