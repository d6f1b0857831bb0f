import gc

from app import create_app

app = create_app()
# What start-up built (modules, configuration, templates) lives as long as the process: frozen,
# it is no longer walked by Python's full garbage collections in the middle of requests.
gc.freeze()
