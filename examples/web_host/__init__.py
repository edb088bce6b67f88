"""collabcore's reference web host: the seed's Settings - Collaborations page in HTML, a
JSON API beside it, a sandbox of integrations and a worker running the relay and the due run.

See README.md in this folder for the two commands that set it up and start it.
"""
