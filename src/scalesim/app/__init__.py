"""The workshop app (``scalesim app``): an optional extra (``pip install -e ".[app]"``); the core never imports it."""
