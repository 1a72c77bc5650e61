"""Sample objects for make_school() (houqin/core/testing.py), so the tenancy sweep reaches this app."""


def add_samples(world) -> None:
    pass
