"""Sample objects of core's own school-owned models for make_school() (see houqin/core/testing.py)."""


def add_samples(world) -> None:
    pass
