"""Tools for people: explore, display, the command line, the demo, the rules reference."""
