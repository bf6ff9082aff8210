"""The event loop of the testbed's asyncio servers (tail_server.py,
delay_server.py), imported from their own directory."""

import asyncio


def run(coroutine):
    """asyncio.run on uvloop (Debian python3-uvloop) when it is installed:
    the same asyncio API for less CPU (tail_load.py smtp: 415 -> 497
    STARTTLS sessions per CPU second), CPU a scan's testbed otherwise takes
    from the scanner on the same 2 cores.  Without it, plain asyncio."""
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(coroutine)
