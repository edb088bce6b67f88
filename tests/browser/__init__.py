"""Browser tests of the reference web host: a package, so that its conftest.py is not taken
for tests/conftest.py."""
