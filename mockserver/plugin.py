"""The pytest plugin of rivya-mock (registered through the `pytest11` entry point)."""
