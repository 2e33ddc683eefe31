"""Issue 7's failures reproduced against two trees in one run: the commit before the fixes and
this one. ``python -m bench.reliability``; see ``__main__``."""
